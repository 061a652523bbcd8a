using Robotics.Sim.Envs;
using Robotics.Sim.Random;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tests.Envs;

/// <summary>
/// What every <see cref="IVecEnv"/> must do, as a reusable suite: derive from it, say how to build the
/// environment, and the tests run against it. Shapes, auto-reset, terminated vs truncated, the final
/// observation, argument checks, and same seed ⇒ same trajectory whatever the thread count.
/// </summary>
public abstract class VecEnvContract
{
    /// <summary>An environment whose episodes are truncated after <paramref name="maxEpisodeSteps"/> steps.</summary>
    protected abstract IVecEnv Create(int numEnvs, int threads, ulong seed, int maxEpisodeSteps);

    /// <summary>An action that, held constant, reaches a terminal state within <see cref="StepsToTerminate"/> steps.</summary>
    protected abstract float[] TerminatingAction { get; }

    /// <summary>Upper bound on the steps <see cref="TerminatingAction"/> needs.</summary>
    protected abstract int StepsToTerminate { get; }

    /// <summary>Name of a critic-only term that is 0 in a truncated episode's final observation and 1 at reset, or null.</summary>
    protected virtual string? TimeRemainingTerm => null;

    private static float[] Repeat(float[] action, int n) => Enumerable.Range(0, n).SelectMany(_ => action).ToArray();

    [Fact]
    public void Buffers_have_documented_shapes()
    {
        using var env = Create(3, 1, 1, 100);
        Assert.Contains(env.ObservationGroups, g => g.Name == ObservationGroup.Policy);
        foreach (var g in env.ObservationGroups)
        {
            Assert.Equal(3 * g.Dim, env.Observations(g.Name).Length);
            Assert.Equal(3 * g.Dim, env.FinalObservations(g.Name).Length);
        }
        Assert.Equal(3, env.Rewards.Length);
        Assert.Equal(3, env.Terminated.Length);
        Assert.Equal(3, env.Truncated.Length);
        Assert.Equal(3, env.EpisodeReturns.Length);
        Assert.True(env.ActionDim > 0);
        Assert.True(env.StepDt > 0);
        foreach (var o in env.Observations(ObservationGroup.Policy)) Assert.True(float.IsFinite(o));
    }

    [Fact]
    public void Time_limit_truncates_and_auto_resets_keeping_the_final_observation()
    {
        const int T = 7;
        using var env = Create(2, 1, 3, T);
        var zero = new float[2 * env.ActionDim];
        float returns = 0;
        for (int t = 1; t <= T; t++)
        {
            var before = env.Observations(ObservationGroup.Policy).ToArray();
            env.Step(zero);
            returns += env.Rewards[0];
            bool last = t == T;
            Assert.Equal(last, env.Truncated[0]);
            Assert.Equal(last, env.Truncated[1]);
            Assert.False(env.Terminated[0]);
            if (!last) Assert.NotEqual(before, env.Observations(ObservationGroup.Policy).ToArray());
        }
        Assert.Equal(T, env.EpisodeLengths[0]);
        Assert.Equal(returns, env.EpisodeReturns[0], 4);

        // The final observation is the episode's last, not the new episode's first.
        var final = env.FinalObservations(ObservationGroup.Policy).ToArray();
        var fresh = env.Observations(ObservationGroup.Policy).ToArray();
        Assert.NotEqual(final, fresh);
        if (TimeRemainingTerm is { } term && env.ObservationGroups.FirstOrDefault(g => g.Name == ObservationGroup.Critic) is { } critic)
        {
            int k = critic.OffsetOf(term);
            Assert.Equal(0f, env.FinalObservations(ObservationGroup.Critic)[k]);
            Assert.Equal(1f, env.Observations(ObservationGroup.Critic)[k]);
        }

        // The next step belongs to a new episode.
        env.Step(zero);
        Assert.False(env.Truncated[0]);
    }

    [Fact]
    public void Terminal_state_terminates_rather_than_truncates()
    {
        using var env = Create(2, 1, 5, 10_000);
        var actions = Repeat(TerminatingAction, 2);
        int steps = 0;
        while (!env.Terminated[0] && steps < StepsToTerminate) { env.Step(actions); steps++; }
        Assert.True(env.Terminated[0], $"no termination within {StepsToTerminate} steps");
        Assert.False(env.Truncated[0]);
        Assert.Equal(steps, env.EpisodeLengths[0]);
        Assert.NotEqual(env.FinalObservations(ObservationGroup.Policy).ToArray()[..env.ObservationGroups[0].Dim],
                        env.Observations(ObservationGroup.Policy).ToArray()[..env.ObservationGroups[0].Dim]);
    }

    [Fact]
    public void Same_seed_gives_identical_trajectories_on_one_and_two_threads()
    {
        var one = Rollout(threads: 1, seed: 42);
        var two = Rollout(threads: 2, seed: 42);
        var three = Rollout(threads: 3, seed: 42);
        Assert.Equal(one, two);
        Assert.Equal(one, three);
        Assert.NotEqual(one, Rollout(threads: 1, seed: 43));
    }

    // Observations, rewards and done flags of 5 environments over 150 random steps (with resets on the way).
    private List<float> Rollout(int threads, ulong seed)
    {
        using var env = Create(5, threads, seed, 40);
        var rng = Rng.For(seed, "test-actions");
        var actions = new float[5 * env.ActionDim];
        var trace = new List<float>(env.Observations(ObservationGroup.Policy).ToArray());
        for (int t = 0; t < 150; t++)
        {
            for (int i = 0; i < actions.Length; i++) actions[i] = (float)rng.Uniform(-1, 1);
            env.Step(actions);
            foreach (var g in env.ObservationGroups) trace.AddRange(env.Observations(g.Name).ToArray());
            trace.AddRange(env.Rewards.ToArray());
            for (int i = 0; i < 5; i++) trace.Add((env.Terminated[i] ? 1 : 0) + (env.Truncated[i] ? 2 : 0));
        }
        return trace;
    }

    [Fact]
    public void Reset_with_the_same_seed_restarts_the_same_trajectory()
    {
        using var env = Create(2, 2, 9, 50);
        var start = env.Observations(ObservationGroup.Policy).ToArray();
        env.Step(new float[2 * env.ActionDim]);
        env.Reset(9);
        Assert.Equal(start, env.Observations(ObservationGroup.Policy).ToArray());
        env.Reset(10);
        Assert.NotEqual(start, env.Observations(ObservationGroup.Policy).ToArray());
    }

    [Fact]
    public void Bad_arguments_are_refused_with_a_clear_message()
    {
        using var env = Create(2, 2, 1, 50);
        var e = Assert.Throws<ArgumentException>(() => env.Step(new float[2 * env.ActionDim + 1]));
        Assert.Contains($"{2 * env.ActionDim}", e.Message);
        var k = Assert.Throws<KeyNotFoundException>(() => env.Observations("vision"));
        Assert.Contains("vision", k.Message);

        var nan = new float[2 * env.ActionDim];
        nan[env.ActionDim] = float.NaN;   // environment 1
        var n = Assert.Throws<ArgumentException>(() => env.Step(nan));
        Assert.Contains("environment 1", n.Message);

        // Nothing is lost: the environment keeps working.
        env.Step(new float[2 * env.ActionDim]);
        foreach (var o in env.Observations(ObservationGroup.Policy)) Assert.True(float.IsFinite(o));
    }
}
