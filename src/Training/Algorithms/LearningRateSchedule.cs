using System.Text.Json.Serialization;

namespace Robotics.Training.Algorithms;

/// <summary>How a first-order algorithm's learning rate moves over a run; config.json and <c>--set</c> spell it in snake_case.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    /// <summary>Adapted after each update toward a target KL divergence (PPO's <see cref="PpoConfig.DesiredKl"/>).</summary>
    Adaptive,
    /// <summary>The initial learning rate throughout.</summary>
    Fixed,
    /// <summary>Annealed linearly from the initial learning rate to 0 over the run.</summary>
    Linear,
}
