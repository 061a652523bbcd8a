// ddsraw: a "raw CDR" sertype for Eclipse Cyclone DDS 0.10, the technique rmw_cyclonedds_cpp uses.
//
// C# (Robotics.RobotBridge) owns XCDR1 serialization. This shim gives Cyclone a type whose samples are
// plain byte buffers holding the serialized payload, encapsulation header included:
//   dds_write(writer, &sample)          copies sample.data[0..size) into a serdata (from_sample);
//   dds_take(reader, &ptr, &info, 1, 1) copies a received serdata into sample.data (to_sample),
//                                       always setting sample.size to the payload's true size
//                                       (larger than capacity: nothing copied, the caller drops it).
// Only this file touches Cyclone's internal structs (ddsi_sertype, ddsi_serdata); it is compiled
// against the installed headers by src/RobotBridge's build, so the layouts always match the library.
// No managed code ever runs on Cyclone's threads: every callback here is plain C.
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "dds/dds.h"
#include "dds/ddsi/ddsi_sertype.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/ddsi/q_radmin.h"

/* The sample type C# sees: a buffer it owns. */
typedef struct ddsraw_sample {
  uint8_t *data;     /* payload bytes, encapsulation header first */
  uint32_t size;     /* bytes in the payload (on take: the received size, even when it did not fit) */
  uint32_t capacity; /* bytes available at data (take only) */
} ddsraw_sample;

typedef struct ddsraw_serdata {
  struct ddsi_serdata c;
  uint32_t size;
  uint8_t bytes[];
} ddsraw_serdata;

static ddsraw_serdata *new_serdata (const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, size_t size)
{
  if (size > UINT32_MAX) return NULL;
  ddsraw_serdata *d = malloc (sizeof (*d) + size);
  if (d == NULL) return NULL;
  ddsi_serdata_init (&d->c, type, kind);
  d->size = (uint32_t) size;
  return d;
}

/* ---------------------------------------------------------------- serdata ops (keyless) */

static bool sd_eqkey (const struct ddsi_serdata *a, const struct ddsi_serdata *b) { (void) a; (void) b; return true; }
static uint32_t sd_get_size (const struct ddsi_serdata *d) { return ((const ddsraw_serdata *) d)->size; }

/* Received from the network: concatenate the fragment chain (fragments may overlap). */
static struct ddsi_serdata *sd_from_ser (const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, const struct nn_rdata *fragchain, size_t size)
{
  ddsraw_serdata *d = new_serdata (type, kind, size);
  if (d == NULL) return NULL;
  uint32_t off = 0;
  while (fragchain != NULL)
  {
    if (fragchain->maxp1 > off)
    {
      const unsigned char *payload = NN_RMSG_PAYLOADOFF (fragchain->rmsg, NN_RDATA_PAYLOAD_OFF (fragchain));
      uint32_t end = fragchain->maxp1 < size ? fragchain->maxp1 : (uint32_t) size;
      if (end > off) memcpy (d->bytes + off, payload + off - fragchain->min, end - off);
      off = fragchain->maxp1;
    }
    fragchain = fragchain->nextfrag;
  }
  return &d->c;
}

static struct ddsi_serdata *sd_from_ser_iov (const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, ddsrt_msg_iovlen_t niov, const ddsrt_iovec_t *iov, size_t size)
{
  ddsraw_serdata *d = new_serdata (type, kind, size);
  if (d == NULL) return NULL;
  size_t off = 0;
  for (ddsrt_msg_iovlen_t i = 0; i < niov && off < size; i++)
  {
    size_t n = iov[i].iov_len < size - off ? iov[i].iov_len : size - off;
    memcpy (d->bytes + off, iov[i].iov_base, n);
    off += n;
  }
  return &d->c;
}

static struct ddsi_serdata *sd_from_keyhash (const struct ddsi_sertype *type, const struct ddsi_keyhash *keyhash)
{
  (void) keyhash;
  ddsraw_serdata *d = new_serdata (type, SDK_KEY, 0);
  return d ? &d->c : NULL;
}

static struct ddsi_serdata *sd_from_sample (const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, const void *sample)
{
  const ddsraw_sample *s = sample;
  ddsraw_serdata *d = new_serdata (type, kind, kind == SDK_DATA ? s->size : 0);
  if (d == NULL) return NULL;
  if (kind == SDK_DATA && s->size > 0) memcpy (d->bytes, s->data, s->size);
  return &d->c;
}

static void sd_to_ser (const struct ddsi_serdata *d, size_t off, size_t sz, void *buf)
{
  memcpy (buf, ((const ddsraw_serdata *) d)->bytes + off, sz);
}

static struct ddsi_serdata *sd_to_ser_ref (const struct ddsi_serdata *d, size_t off, size_t sz, ddsrt_iovec_t *ref)
{
  ref->iov_base = (void *) (((const ddsraw_serdata *) d)->bytes + off);
  ref->iov_len = (ddsrt_iov_len_t) sz;
  return ddsi_serdata_ref (d);
}

static void sd_to_ser_unref (struct ddsi_serdata *d, const ddsrt_iovec_t *ref) { (void) ref; ddsi_serdata_unref (d); }

static bool sd_to_sample (const struct ddsi_serdata *d, void *sample, void **bufptr, void *buflim)
{
  (void) bufptr; (void) buflim;
  const ddsraw_serdata *r = (const ddsraw_serdata *) d;
  ddsraw_sample *s = sample;
  s->size = r->size;
  if (r->size <= s->capacity && s->data != NULL) memcpy (s->data, r->bytes, r->size);
  return true;
}

/* Keyless: the "untyped" (key-only) form carries nothing. */
static struct ddsi_serdata *sd_to_untyped (const struct ddsi_serdata *d)
{
  ddsraw_serdata *u = new_serdata (d->type, SDK_KEY, 0);
  if (u == NULL) return NULL;
  u->c.type = NULL;
  return &u->c;
}

static bool sd_untyped_to_sample (const struct ddsi_sertype *type, const struct ddsi_serdata *d, void *sample, void **bufptr, void *buflim)
{
  (void) type; (void) d; (void) bufptr; (void) buflim;
  ((ddsraw_sample *) sample)->size = 0;
  return true;
}

static void sd_free (struct ddsi_serdata *d) { free (d); }

static size_t sd_print (const struct ddsi_sertype *type, const struct ddsi_serdata *d, char *buf, size_t size)
{
  (void) type;
  return (size_t) snprintf (buf, size, "(raw CDR, %u bytes)", ((const ddsraw_serdata *) d)->size);
}

static void sd_get_keyhash (const struct ddsi_serdata *d, struct ddsi_keyhash *buf, bool force_md5)
{
  (void) d; (void) force_md5;
  memset (buf, 0, sizeof (*buf));
}

static const struct ddsi_serdata_ops serdata_ops = {
  .eqkey = sd_eqkey, .get_size = sd_get_size, .from_ser = sd_from_ser, .from_ser_iov = sd_from_ser_iov,
  .from_keyhash = sd_from_keyhash, .from_sample = sd_from_sample, .to_ser = sd_to_ser, .to_ser_ref = sd_to_ser_ref,
  .to_ser_unref = sd_to_ser_unref, .to_sample = sd_to_sample, .to_untyped = sd_to_untyped,
  .untyped_to_sample = sd_untyped_to_sample, .free = sd_free, .print = sd_print, .get_keyhash = sd_get_keyhash,
};

/* ---------------------------------------------------------------- sertype ops */

static void st_free (struct ddsi_sertype *tp) { ddsi_sertype_fini (tp); free (tp); }

static void st_zero_samples (const struct ddsi_sertype *d, void *samples, size_t count)
{
  (void) d;
  memset (samples, 0, count * sizeof (ddsraw_sample));
}

static void st_realloc_samples (void **ptrs, const struct ddsi_sertype *d, void *old, size_t oldcount, size_t count)
{
  (void) d;
  char *p = (oldcount == count) ? old : realloc (old, count * sizeof (ddsraw_sample));
  if (p == NULL) return;
  if (count > oldcount) memset (p + oldcount * sizeof (ddsraw_sample), 0, (count - oldcount) * sizeof (ddsraw_sample));
  for (size_t i = 0; i < count; i++) ptrs[i] = p + i * sizeof (ddsraw_sample);
}

/* Sample buffers always belong to C#; only an array Cyclone allocated itself (a loan) is freed here. */
static void st_free_samples (const struct ddsi_sertype *d, void **ptrs, size_t count, dds_free_op_t op)
{
  (void) d; (void) count;
  if ((op & DDS_FREE_ALL_BIT) && ptrs != NULL) free (ptrs[0]);
}

static bool st_equal (const struct ddsi_sertype *a, const struct ddsi_sertype *b) { (void) a; (void) b; return true; }
static uint32_t st_hash (const struct ddsi_sertype *tp) { (void) tp; return 0x52415743u; }

static const struct ddsi_sertype_ops sertype_ops = {
  .version = ddsi_sertype_v0, .arg = NULL, .free = st_free, .zero_samples = st_zero_samples,
  .realloc_samples = st_realloc_samples, .free_samples = st_free_samples, .equal = st_equal, .hash = st_hash,
};

/* ---------------------------------------------------------------- exported */

/** Size of ddsraw_sample, for the C# side to check its mirror struct. */
DDS_EXPORT uint32_t ddsraw_sample_size (void) { return (uint32_t) sizeof (ddsraw_sample); }

/**
 * Creates (or finds) a keyless topic named name whose type is type_name, with raw-CDR samples in
 * XCDR1. Returns the topic entity or a negative DDS return code.
 */
DDS_EXPORT dds_entity_t ddsraw_create_topic (dds_entity_t participant, const char *name, const char *type_name, const dds_qos_t *qos)
{
  if (name == NULL || type_name == NULL) return DDS_RETCODE_BAD_PARAMETER;
  struct ddsi_sertype *st = calloc (1, sizeof (*st));
  if (st == NULL) return DDS_RETCODE_OUT_OF_RESOURCES;
  ddsi_sertype_init (st, type_name, &sertype_ops, &serdata_ops, true);
  st->allowed_data_representation = DDS_DATA_REPRESENTATION_FLAG_XCDR1;
  struct ddsi_sertype *used = st;
  dds_entity_t topic = dds_create_topic_sertype (participant, name, &used, qos, NULL, NULL);
  if (topic < 0) st_free (st);
  return topic;
}
