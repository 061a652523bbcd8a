using Robotics.Deploy.Runtime;
using Robotics.Sim.Envs;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Tasks;

namespace Robotics.Cli;

/// <summary>Exported policies as the commands open them.</summary>
internal static class PolicyFiles
{
    /// <summary>True when <paramref name="policy"/> names an exported policy file rather than a reference policy.</summary>
    public static bool IsOnnx(string policy) => policy.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens an exported policy for its task (or <paramref name="task"/>), checked against that task's robot as the
    /// deploy node checks it against the real one; returns the policy and the task name.
    /// </summary>
    /// <exception cref="UserError">The file, its contract, or its joints do not fit.</exception>
    public static (OnnxPolicy Policy, string Task) Open(string path, string? task = null)
    {
        var contract = OnnxPolicy.ReadContract(path);
        task ??= contract.Task;
        var mjTask = TaskCatalog.Load(task);
        try { return (OnnxPolicy.Load(path, Policies.JointNames(mjTask)), task); }
        finally { (mjTask as IDisposable)?.Dispose(); }
    }
}
