namespace Robotics.Deploy.Tests.RealTime;

/// <summary>
/// Tests that measure time or spin threads run one after another, never beside each other: on a 2-core
/// machine two spinning loops would make each other miss deadlines.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
