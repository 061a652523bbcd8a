using Robotics.Training.Devices;
using Robotics.Training.Storage;
using static TorchSharp.torch;

namespace Robotics.Training.Tests.Storage;

public class GaeTests
{
    public GaeTests() => TorchRuntime.Initialize(ComputeDevice.Cpu);

    [Fact]
    public void Matches_the_hand_computation_with_a_termination_and_a_truncation()
    {
        // One environment, T = 3, γ = 0.9, λ = 0.5.
        // t=0: r=1, V=0.5, not done.   t=1: r=2, V=1.0, terminated (done, no bootstrap).
        // t=2: r=1 + γ·V(final)=1 + 0.9·2 = 2.8 (truncated, bootstrapped by the algorithm), V=0.3, done.
        // last value (after t=2) = 10 — ignored because t=2 is done.
        var r = tensor(new float[] { 1, 2, 2.8f }).reshape(3, 1);
        var v = tensor(new float[] { 0.5f, 1.0f, 0.3f }).reshape(3, 1);
        var d = tensor(new float[] { 0, 1, 1 }).reshape(3, 1);
        var last = tensor(new float[] { 10 });
        var (adv, ret) = Gae.Compute(r, v, d, last, gamma: 0.9, lambda: 0.5);
        // δ2 = 2.8 − 0.3 = 2.5                 A2 = 2.5
        // δ1 = 2 − 1.0 = 1.0                   A1 = 1.0            (done: nothing from t=2)
        // δ0 = 1 + 0.9·1.0 − 0.5 = 1.4         A0 = 1.4 + 0.9·0.5·1.0 = 1.85
        var a = adv.reshape(3).data<float>().ToArray();
        Assert.Equal(1.85f, a[0], 5);
        Assert.Equal(1.0f, a[1], 5);
        Assert.Equal(2.5f, a[2], 5);
        var rt = ret.reshape(3).data<float>().ToArray();
        Assert.Equal(2.35f, rt[0], 5);   // A + V
        Assert.Equal(2.0f, rt[1], 5);
        Assert.Equal(2.8f, rt[2], 5);
    }

    [Fact]
    public void Bootstraps_from_the_last_value_when_the_rollout_ends_mid_episode()
    {
        // T = 2, no dones, γ = 0.5, λ = 1: A1 = r1 + γ·V_last − V1 = 1 + 0.5·4 − 1 = 2; A0 = (0 + 0.5·1 − 0) + 0.5·2 = 1.5.
        var r = tensor(new float[] { 0, 1 }).reshape(2, 1);
        var v = tensor(new float[] { 0, 1 }).reshape(2, 1);
        var d = zeros(2, 1);
        var (adv, _) = Gae.Compute(r, v, d, tensor(new float[] { 4 }), gamma: 0.5, lambda: 1.0);
        Assert.Equal(new[] { 1.5f, 2f }, adv.reshape(2).data<float>().ToArray());
    }
}
