using Robotics.Deploy.Runtime;

namespace Robotics.RobotBridge.Tests.Node;

/// <summary>The pretrained arm policies the DDS tests deploy: models/panda_*.onnx, whose contracts carry the kinematic chain.</summary>
internal static class ArmPolicies
{
    /// <summary>The absolute path of models/<paramref name="task"/>.onnx, checked to carry what a robot needs to run it.</summary>
    public static string Path(string task)
    {
        string path = TestPaths.Repo($"models/{task}.onnx");
        if (OnnxPolicy.ReadContract(path).Kinematics is null)
            throw new InvalidOperationException($"{path}: its contract has no kinematic chain; re-stamp it (robotics export --policy {path} --restamp)");
        return path;
    }
}
