using Robotics.Deploy.Contract;
using Robotics.Sim.Envs;

namespace Robotics.Sim.Evaluation;

/// <summary>What every evaluation adds up over its episodes.</summary>
/// <param name="Episodes">Episodes finished.</param>
/// <param name="MeanReturn">Mean undiscounted return.</param>
/// <param name="MeanLength">Mean length [steps].</param>
/// <param name="Terminated">Episodes that ended in a terminal state rather than at the time limit.</param>
/// <param name="Terms">Mean per-episode sum of each reward term.</param>
internal sealed record EpisodeTotals(int Episodes, double MeanReturn, double MeanLength, int Terminated, IReadOnlyDictionary<string, double> Terms);

/// <summary>Steps a policy until N episodes have ended, counting returns, lengths, terminations and reward terms.</summary>
internal static class EpisodeLoop
{
    /// <param name="afterStep">Called for every environment after every step (per-step metrics).</param>
    /// <param name="episodeEnded">Called for each counted episode end, before the next step resets its record.</param>
    public static EpisodeTotals Run(MjVecEnv env, BatchPolicy policy, int episodes, Action<int>? afterStep = null, Action<int>? episodeEnded = null)
    {
        int n = env.NumEnvs, nTerms = env.RewardTermNames.Count;
        var actions = new float[n * env.ActionDim];
        var termSums = new double[nTerms];
        double returns = 0, lengths = 0;
        int done = 0, terminated = 0;
        while (done < episodes)
        {
            policy(env.Observations(ObservationGroup.Policy), actions);
            env.Step(actions);
            for (int i = 0; i < n; i++)
            {
                afterStep?.Invoke(i);
                if ((!env.Terminated[i] && !env.Truncated[i]) || done >= episodes) continue;
                done++;
                if (env.Terminated[i]) terminated++;
                returns += env.EpisodeReturns[i];
                lengths += env.EpisodeLengths[i];
                for (int k = 0; k < nTerms; k++) termSums[k] += env.EpisodeRewardTerms[i * nTerms + k];
                episodeEnded?.Invoke(i);
            }
        }
        var terms = env.RewardTermNames.Select((t, k) => (t, termSums[k] / done)).ToDictionary(x => x.t, x => x.Item2);
        return new EpisodeTotals(done, returns / done, lengths / done, terminated, terms);
    }
}
