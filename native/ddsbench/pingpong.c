// Cyclone DDS's own C round trip for `robotics bench dds`: the reference the C# node is compared with.
//   pingpong pong <domain>                 echoes every JointState from rt/bench_ping to rt/bench_pong
//   pingpong ping <domain> <joints> <warmup> <count>
//                                          sends a JointState, waits for the echo, repeats; prints
//                                          "p50 p99 p999 mean" of the measured round trips in microseconds
// Both block in a waitset, as the C# node's receive thread does; QoS reliable, volatile, keep-last 10.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dds/dds.h"
#include "JointState.h"

static int64_t now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

static void check (dds_return_t rc, const char *what)
{
  if (rc < 0) { fprintf (stderr, "pingpong: %s: %s\n", what, dds_strretcode (rc)); exit (2); }
}

int main (int argc, char **argv)
{
  if (argc < 3) { fprintf (stderr, "usage: pingpong ping|pong <domain> [joints warmup count]\n"); return 2; }
  int ping = strcmp (argv[1], "ping") == 0;
  dds_domainid_t domain = (dds_domainid_t) atoi (argv[2]);
  int joints = argc > 3 ? atoi (argv[3]) : 12, warmup = argc > 4 ? atoi (argv[4]) : 1000, count = argc > 5 ? atoi (argv[5]) : 10000;

  dds_entity_t pp = dds_create_participant (domain, NULL, NULL);
  check (pp, "create participant");
  dds_qos_t *qos = dds_create_qos ();
  dds_qset_reliability (qos, DDS_RELIABILITY_RELIABLE, DDS_MSECS (100));
  dds_qset_history (qos, DDS_HISTORY_KEEP_LAST, 10);
  const dds_topic_descriptor_t *desc = &sensor_msgs_msg_dds__JointState__desc;
  dds_entity_t tping = dds_create_topic (pp, desc, "rt/bench_ping", NULL, NULL);
  dds_entity_t tpong = dds_create_topic (pp, desc, "rt/bench_pong", NULL, NULL);
  check (tping, "create topic"); check (tpong, "create topic");
  dds_entity_t wr = dds_create_writer (pp, ping ? tping : tpong, qos, NULL);
  dds_entity_t rd = dds_create_reader (pp, ping ? tpong : tping, qos, NULL);
  check (wr, "create writer"); check (rd, "create reader");
  dds_set_status_mask (rd, DDS_DATA_AVAILABLE_STATUS);
  dds_entity_t ws = dds_create_waitset (pp);
  check (dds_waitset_attach (ws, rd, 0), "attach");

  if (!ping)
  {
    // Echo until the ping side's writer goes away (or forever: the bench kills us).
    for (;;)
    {
      dds_waitset_wait (ws, NULL, 0, DDS_SECS (1));
      void *buf[1] = { NULL };
      dds_sample_info_t info;
      while (dds_take (rd, buf, &info, 1, 1) == 1)
      {
        if (info.valid_data) dds_write (wr, buf[0]);
        dds_return_loan (rd, buf, 1);
        buf[0] = NULL;
      }
    }
  }

  // Ping: a 12-joint message like a robot driver's.
  sensor_msgs_msg_dds__JointState_ msg;
  memset (&msg, 0, sizeof (msg));
  msg.header.frame_id = "base_link";
  char **names = calloc ((size_t) joints, sizeof (char *));
  double *values = calloc ((size_t) joints, sizeof (double));
  for (int i = 0; i < joints; i++) { names[i] = malloc (32); snprintf (names[i], 32, "joint_%02d", i); values[i] = 0.1 * i; }
  msg.name._buffer = names; msg.name._length = msg.name._maximum = (uint32_t) joints;
  msg.position._buffer = values; msg.position._length = msg.position._maximum = (uint32_t) joints;
  msg.velocity = msg.position; msg.effort = msg.position;

  // Wait for the pong side to match both ways.
  dds_publication_matched_status_t pm;
  dds_subscription_matched_status_t sm;
  for (int i = 0; i < 3000; i++)
  {
    dds_get_publication_matched_status (wr, &pm);
    dds_get_subscription_matched_status (rd, &sm);
    if (pm.current_count > 0 && sm.current_count > 0) break;
    dds_sleepfor (DDS_MSECS (10));
  }
  if (pm.current_count == 0 || sm.current_count == 0) { fprintf (stderr, "pingpong: no pong matched\n"); return 3; }
  // Our side matched both ways; give the pong side's discovery of us time to finish too (an echo written
  // before its writer knows our reader goes nowhere).
  dds_sleepfor (DDS_MSECS (200));

  int64_t *rtt = malloc (sizeof (int64_t) * (size_t) count);
  int resends = 0;
  for (int i = 0; i < warmup + count; i++)
  {
    int64_t t0 = now_ns ();
    msg.header.stamp.sec = i;
    check (dds_write (wr, &msg), "write");
    for (;;)
    {
      void *buf[1] = { NULL };
      dds_sample_info_t info;
      int n = dds_take (rd, buf, &info, 1, 1);
      if (n == 1)
      {
        int ok = info.valid_data && ((sensor_msgs_msg_dds__JointState_ *) buf[0])->header.stamp.sec == i;
        dds_return_loan (rd, buf, 1);
        if (ok) break;
        continue;
      }
      if (dds_waitset_wait (ws, NULL, 0, DDS_SECS (1)) == 0)
      {
        // No echo within 1 s (only while discovery settles): send the same ping again; give up after 10.
        if (++resends > 10) { fprintf (stderr, "pingpong: no echo for %d\n", i); return 4; }
        check (dds_write (wr, &msg), "write");
      }
    }
    if (i >= warmup) rtt[i - warmup] = now_ns () - t0;
  }
  qsort (rtt, (size_t) count, sizeof (int64_t), cmp);
  double mean = 0;
  for (int i = 0; i < count; i++) mean += (double) rtt[i];
  mean /= count;
  printf ("%.2f %.2f %.2f %.2f\n", rtt[count / 2] / 1e3, rtt[(int) (count * 0.99)] / 1e3, rtt[(int) (count * 0.999)] / 1e3, mean / 1e3);
  dds_delete (pp);
  return 0;
}
