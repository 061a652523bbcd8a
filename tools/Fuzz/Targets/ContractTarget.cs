using System.Text;
using Robotics.Deploy.Contract;

namespace Robotics.Tools.Fuzz;

/// <summary>
/// The policy contract as the ONNX metadata carries it (UTF-8 JSON). A contract that loads must serialize and load
/// again to the same JSON, and must build what the robot builds from it: the action map (whose targets stay finite for
/// every action within the clip), the observation layout and the kinematic chain (finite poses at the default pose).
/// The only refusal allowed is <see cref="UserError"/>.
/// </summary>
public static class ContractTarget
{
    public static void Check(byte[] input)
    {
        var json = Encoding.UTF8.GetString(input);
        PolicyContract contract;
        try { contract = PolicyContract.FromJson(json, "fuzz.json"); }
        catch (UserError) { return; }

        string written = contract.ToJson();
        PolicyContract again;
        try { again = PolicyContract.FromJson(written, "round-trip.json"); }
        catch (UserError e) { throw new FuzzFinding($"a contract that loaded is refused once written back: {e.Message}", e); }
        if (again.ToJson() != written) throw new FuzzFinding("parse → serialize → parse differs");

        try { Use(contract); }
        catch (FuzzFinding) { throw; }
        catch (Exception e) { throw new FuzzFinding($"a contract that loaded does not build on the robot: {e.GetType().Name}: {e.Message}", e); }
    }

    private static void Use(PolicyContract contract)
    {
        int n = contract.JointCount;
        _ = new ObservationBuilder(contract);
        var map = contract.BuildActionMap();
        var action = new float[n];
        var clipped = new float[n];
        var targets = new double[n];
        foreach (double a in new[] { -contract.Action.Clip, 0, contract.Action.Clip })
        {
            Array.Fill(action, (float)a);
            if (map.Map(action, contract.DefaultJointPos, clipped, targets) is int bad and >= 0)
                throw new FuzzFinding($"action {a} (the clip ±{contract.Action.Clip} or 0) is taken for a non-finite action at joint {bad}");
            if (targets.Any(t => !double.IsFinite(t)))
                throw new FuzzFinding($"action {a} (within the clip ±{contract.Action.Clip}) maps to a joint target that is not finite: {string.Join(", ", targets)}");
        }
        if (contract.BuildKinematics() is { } chain)
        {
            var p = new double[3];
            var r = new double[9];
            chain.Pose(contract.DefaultJointPos, p, r);
            if (p.Concat(r).Any(v => !double.IsFinite(v)))
                throw new FuzzFinding("the kinematic chain gives a pose that is not finite at the default joint positions");
        }
    }
}
