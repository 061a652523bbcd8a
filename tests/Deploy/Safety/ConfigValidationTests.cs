using Robotics.Deploy.RealTime;
using Robotics.Deploy.Safety;
using Robotics.Deploy.Tests.RealTime;

namespace Robotics.Deploy.Tests.Safety;

public class ConfigValidationTests
{
    private static readonly ControllerConfig Good = TestConfig.Create();
    private static SafetyConfig S => Good.Safety;

    public static TheoryData<string, string> BadControllerConfigs => new()
    {
        { "empty_names", "ControllerConfig.JointNames is missing or empty" },
        { "repeated_name", "ControllerConfig.JointNames[1] = 'j0' appears twice" },
        { "default_length", "ControllerConfig.DefaultJointPos has 3 values for 2 joints" },
        { "nan_default", "ControllerConfig.DefaultJointPos[1] = NaN" },
        { "zero_scale", "ControllerConfig.Action.Scale[0] = 0: must be finite and > 0" },
        { "negative_kp", "ControllerConfig.Kp[1] = -1: must be finite and ≥ 0" },
        { "kd_missing", "ControllerConfig.Kd is missing" },
        { "offset_length", "ControllerConfig.Action.Offset has 1 values for 2 joints" },
        { "clip", "ControllerConfig.Action.Clip = NaN" },
        { "kinematics_missing", "ControllerConfig.Kinematics is missing; observation term 'ee_pos' reads the end effector's pose" },
        { "period", "ControllerConfig.ControlPeriod = 0 s: allowed" },
        { "decimation", "ControllerConfig.PolicyDecimation = 0" },
        { "offset_outside_limits", "ControllerConfig.Action.Offset[0] ('j0') = 1.5 rad lies outside the position limits [-1, 1]" },
        { "safety_lengths", "ControllerConfig.Safety.PositionLower has 3 values for 2 joints" },
    };

    [Theory]
    [MemberData(nameof(BadControllerConfigs))]
    public void Controller_config_errors_name_the_field(string bad, string message)
    {
        var config = bad switch
        {
            "empty_names" => Good with { JointNames = Array.Empty<string>() },
            "repeated_name" => Good with { JointNames = new[] { "j0", "j0" } },
            "default_length" => Good with { DefaultJointPos = new[] { 0.1, 0.1, 0.1 } },
            "nan_default" => Good with { DefaultJointPos = new[] { 0.1, double.NaN } },
            "zero_scale" => Good with { Action = Good.Action with { Scale = new[] { 0.0, 0.25 } } },
            "negative_kp" => Good with { Kp = new[] { 20.0, -1 } },
            "kd_missing" => Good with { Kd = null! },
            "offset_length" => Good with { Action = Good.Action with { Offset = new[] { 0.0 } } },
            "clip" => Good with { Action = Good.Action with { Clip = double.NaN } },
            "kinematics_missing" => Good with { Observation = new Robotics.Deploy.Contract.ObservationGroup("policy", new Robotics.Deploy.Contract.ObservationTerm[] { new("ee_pos", 3) }) },
            "period" => Good with { ControlPeriod = 0 },
            "decimation" => Good with { PolicyDecimation = 0 },
            "offset_outside_limits" => Good with { Action = Good.Action with { Offset = new[] { 1.5, 0.1 } } },
            "safety_lengths" => Good with { Safety = S with { PositionLower = new[] { -1.0, -1, -1 }, PositionUpper = new[] { 1.0, 1, 1 }, VelocityLimits = new[] { 1.0, 1, 1 }, TorqueLimits = new[] { 1.0, 1, 1 } } },
            _ => throw new ArgumentException(bad),
        };
        var e = Assert.Throws<UserError>(() => config.Validate());
        Assert.Contains(message, e.Message);
        // The controller refuses it too: it never starts half-configured.
        Assert.Throws<UserError>(() => new Controller(config, new FakePolicy(15, 2), new FakeRobot(2)));
    }

    public static TheoryData<string, string> BadSafetyConfigs => new()
    {
        { "lower_missing", "SafetyConfig.PositionLower is missing or empty" },
        { "upper_length", "SafetyConfig.PositionUpper has 1 values; PositionLower has 2" },
        { "lower_above_upper", "SafetyConfig.PositionLower[1] = 2 is not below PositionUpper[1] = 1" },
        { "velocity", "SafetyConfig.VelocityLimits[0] = 0 rad/s" },
        { "torque", "SafetyConfig.TorqueLimits[1] = -5 N·m" },
        { "trip_ratio", "SafetyConfig.TorqueTripRatio = 0.9" },
        { "margin", "SafetyConfig.PositionTripMargin = -0.1 rad" },
        { "tilt", "SafetyConfig.TiltLimit = 4 rad" },
        { "soft_start", "SafetyConfig.SoftStartTime = 0 s" },
        { "watchdog", "SafetyConfig.WatchdogPeriods = 0" },
        { "rate", "SafetyConfig.RateLimit = 0 rad/s" },
        { "damping", "SafetyConfig.DampingKd = -1 N·m·s/rad" },
    };

    [Theory]
    [MemberData(nameof(BadSafetyConfigs))]
    public void Safety_config_errors_name_the_field(string bad, string message)
    {
        var config = bad switch
        {
            "lower_missing" => S with { PositionLower = Array.Empty<double>() },
            "upper_length" => S with { PositionUpper = new[] { 1.0 } },
            "lower_above_upper" => S with { PositionLower = new[] { -1.0, 2 } },
            "velocity" => S with { VelocityLimits = new[] { 0.0, 20 } },
            "torque" => S with { TorqueLimits = new[] { 30.0, -5 } },
            "trip_ratio" => S with { TorqueTripRatio = 0.9 },
            "margin" => S with { PositionTripMargin = -0.1 },
            "tilt" => S with { TiltLimit = 4 },
            "soft_start" => S with { SoftStartTime = 0 },
            "watchdog" => S with { WatchdogPeriods = 0 },
            "rate" => S with { RateLimit = 0 },
            "damping" => S with { DampingKd = -1 },
            _ => throw new ArgumentException(bad),
        };
        Assert.Contains(message, Assert.Throws<UserError>(() => config.Validate()).Message);
        Assert.Contains(message, Assert.Throws<UserError>(() => (Good with { Safety = config }).Validate()).Message);
    }

    [Fact]
    public void Loop_and_benchmark_config_errors_name_the_field()
    {
        Assert.Contains("LoopConfig.FifoPriority = 100", Assert.Throws<UserError>(() => new LoopConfig { FifoPriority = 100 }.Validate()).Message);
        Assert.Contains("LoopConfig.CpuCore = -2", Assert.Throws<UserError>(() => new LoopConfig { CpuCore = -2 }.Validate()).Message);
        Assert.Contains("LoopConfig.SpinTime", Assert.Throws<UserError>(() => new LoopConfig { SpinTime = -1 }.Validate()).Message);
        Assert.Contains("LoopConfig.HistogramBins = 0", Assert.Throws<UserError>(() => new LoopConfig { HistogramBins = 0 }.Validate()).Message);
        Assert.Contains("LoopBenchmarkConfig.RateHz = 0", Assert.Throws<UserError>(() => new LoopBenchmarkConfig { RateHz = 0 }.Validate()).Message);
        Assert.Contains("LoopConfig.WarmupTicks", Assert.Throws<UserError>(() => new LoopBenchmarkConfig { Loop = new LoopConfig { WarmupTicks = -1 } }.Validate()).Message);
        Assert.Contains("capacity = 3", Assert.Throws<ArgumentException>(() => new EventRing(3)).Message);
    }
}
