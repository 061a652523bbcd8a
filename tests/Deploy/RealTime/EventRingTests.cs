using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;

namespace Robotics.Deploy.Tests.RealTime;

[Collection(TimingCollection.Name)]
public class EventRingTests
{
    private static LoopEvent At(long tick) => new(LoopEventKind.Transition, tick, 0, SafetyState.Idle, SafetyState.SoftStart, SafetyCause.StartRequest, -1, double.NaN);

    [Fact]
    public void Full_ring_drops_the_newest_and_counts_it()
    {
        var ring = new EventRing(4);
        for (int i = 0; i < 6; i++) ring.TryWrite(At(i));
        Assert.Equal(4, ring.Count);
        Assert.Equal(2, ring.Dropped);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, TestConfig.Drain(ring).Select(e => e.Tick));
        Assert.True(ring.TryWrite(At(9)));
        Assert.Equal(9, TestConfig.Drain(ring).Single().Tick);
    }

    [Fact]
    public void One_writer_and_one_reader_on_two_threads_see_every_event_in_order()
    {
        const int N = 200_000;
        var ring = new EventRing(256);
        var writer = new Thread(() => { for (long i = 0; i < N;) if (ring.TryWrite(At(i))) i++; else Thread.SpinWait(10); });
        writer.Start();
        long expected = 0;
        while (expected < N)
            if (ring.TryRead(out var e)) { Assert.Equal(expected, e.Tick); expected++; }
        writer.Join();
        Assert.False(ring.TryRead(out _));
    }

    [Fact]
    public void Pump_formats_events_off_the_loop_thread()
    {
        var ring = new EventRing(16);
        var lines = new List<string>();
        using (var pump = new EventLogPump(ring, l => { lock (lines) lines.Add(l); }, TimeSpan.FromMilliseconds(5)))
        {
            ring.TryWrite(new LoopEvent(LoopEventKind.Transition, 7, 0, SafetyState.Running, SafetyState.Damping, SafetyCause.VelocityLimit, 3, -21.5));
        }
        Assert.Equal("tick 7 t=0.000s transition Running → Damping (VelocityLimit, joint 3, value -21.5)", Assert.Single(lines));
    }
}
