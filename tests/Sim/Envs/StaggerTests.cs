using Robotics.Sim.Envs;
using Robotics.Sim.Tasks;

namespace Robotics.Sim.Tests.Envs;

/// <summary><see cref="MjVecEnv.StaggerEpisodes"/>: first episodes cut at drawn lengths, later ones whole.</summary>
public class StaggerTests
{
    // Steps a balanced cart-pole (no noise, no force: it never falls) and returns each environment's ended
    // episode lengths, in order.
    private static List<int>[] Lengths(bool stagger, ulong seed, int steps)
    {
        using var env = new MjVecEnv(new CartPole(new CartPoleConfig { InitialNoise = 0, MaxEpisodeSteps = 20 }), 8, 2, seed: 1, ownsTask: true);
        if (stagger) env.StaggerEpisodes(seed);
        var ended = Enumerable.Range(0, 8).Select(_ => new List<int>()).ToArray();
        var actions = new float[8 * env.ActionDim];
        for (int t = 0; t < steps; t++)
        {
            env.Step(actions);
            for (int i = 0; i < 8; i++)
            {
                Assert.False(env.Terminated[i]);
                if (env.Truncated[i]) ended[i].Add(env.EpisodeLengths[i]);
            }
        }
        return ended;
    }

    [Fact]
    public void Staggered_first_episodes_end_apart_and_the_next_run_the_whole_length()
    {
        var plain = Lengths(stagger: false, seed: 3, steps: 45);
        Assert.All(plain, l => Assert.Equal(new[] { 20, 20 }, l));

        var staggered = Lengths(stagger: true, seed: 3, steps: 45);
        var first = staggered.Select(l => l[0]).ToArray();
        Assert.All(first, n => Assert.InRange(n, 1, 20));
        Assert.True(first.Distinct().Count() >= 4, $"first lengths {string.Join(",", first)}");
        Assert.All(staggered, l => Assert.All(l.Skip(1), n => Assert.Equal(20, n)));

        // The draw is a function of the seed.
        Assert.Equal(first, Lengths(stagger: true, seed: 3, steps: 45).Select(l => l[0]));
        Assert.NotEqual(first, Lengths(stagger: true, seed: 4, steps: 45).Select(l => l[0]));
    }
}
