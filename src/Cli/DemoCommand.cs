using System.CommandLine;
using Robotics.Deploy.Runtime;
using Robotics.Sim.Evaluation;
using Robotics.Sim.Rendering;
using Robotics.Sim.Tasks;
using Robotics.Training.Runner;
using Spectre.Console;

using Robotics.RobotBridge.Node;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics demo</c>: the pretrained quadruped policy (models/go1_velocity.onnx)
/// deployed as on the robot — ONNX Runtime, the policy contract, the observation builder, the safety layer —
/// drives the simulated Go1 through a command sequence: in one process (lock-step), then over ROS 2 with the
/// simulated robot and the deploy node as separate processes on DDS; then the reach policy (models/panda_reach.onnx)
/// drives the simulated Panda over ROS 2 to goals set with <c>robotics send-target</c>. It prints tracking error,
/// reach success and loop timing, and writes a tracking plot and videos of both. <c>--train</c> first trains a small policy from scratch (the
/// cart-pole, about a minute on two cores), exports it and evaluates the exported file, to show the whole path.
/// <c>--io unitree-go2</c> runs the quadruped as the Go2 (models/go2_velocity.onnx) and its DDS step through the Go2's own
/// low-level interface (rt/lowstate, rt/lowcmd) instead of joint_states and joint_commands.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var policy = new Option<string?>("--policy") { Description = "the exported quadruped policy [default: models/go1_velocity.onnx; with --io unitree-go2 models/go2_velocity.onnx]" };
        var io = new Option<string>("--io") { Description = "the interface of the DDS step: ros2 (joint_states / joint_commands) or unitree-go2 (the Go2's rt/lowstate / rt/lowcmd)", DefaultValueFactory = _ => "ros2" };
        var armPolicy = new Option<string>("--arm-policy") { Description = "the exported reach policy", DefaultValueFactory = _ => "models/panda_reach.onnx" };
        var segment = new Option<double>("--segment") { Description = "seconds per command (forward, turning, sideways, backward)", DefaultValueFactory = _ => 3.0 };
        var output = new Option<string>("--out") { Description = "folder for the plot and the video", DefaultValueFactory = _ => "runs/demo" };
        var train = new Option<bool>("--train") { Description = "also train a small policy (cart-pole) from scratch, export and evaluate it" };
        var video = new Option<bool>("--no-video") { Description = "skip the video" };
        var demo = new Command("demo", "The pretrained quadruped and arm deployed on simulated robots: in one process and over ROS 2; tracking, reach success, loop timing, plot and videos.")
        {
            policy, armPolicy, segment, output, train, video, io,
        };
        var security = new SecurityFlags("/operator");   // this process is the operator; its children run as /sim_robot and /deploy
        security.AddTo(demo);
        demo.SetAction(r =>
        {
            var robotInterface = RobotInterfaces.Parse(r.GetValue(io)!);
            string quadruped = r.GetValue(policy) ?? (robotInterface == RobotInterface.UnitreeGo2 ? "models/go2_velocity.onnx" : "models/go1_velocity.onnx");
            return Run(Home(quadruped), Home(r.GetValue(armPolicy)!), r.GetValue(segment), Home(r.GetValue(output)!), r.GetValue(train), !r.GetValue(video), security.Resolve(r), robotInterface);
        });
        return demo;
    }

    // Relative paths are the repository's (the ./robotics script exports ROBOTICS_HOME).
    private static string Home(string path) => Path.IsPathRooted(path) ? path : Path.Combine(TaskCatalog.Home, path);

    private static int Run(string policyPath, string armPolicyPath, double segment, string outDir, bool train, bool video, Robotics.RobotBridge.Security.Ros2SecurityOptions? security,
        RobotInterface robotInterface = RobotInterface.Ros2)
    {
        Directory.CreateDirectory(outDir);
        if (train && TrainSmallPolicy(outDir) != 0) return 1;

        // 1. The artifact: what the robot loads.
        AnsiConsole.Write(new Rule($"[bold]1. The policy artifact: {Path.GetFileName(policyPath)}[/]").LeftJustified());
        PolicyContractSummary(policyPath);

        // 2. Hardware-in-the-loop in one process: the deploy controller drives the simulated robot tick by tick.
        AnsiConsole.Write(new Rule($"[bold]2. Deployed on the simulated {(robotInterface == RobotInterface.UnitreeGo2 ? "Go2" : "Go1")}, in one process (lock-step)[/]").LeftJustified());
        var trace = new List<HilCommand.TraceSample>();
        int code = HilCommand.Run(policyPath, segment, latency: 0, trace);
        if (trace.Count > 0) AnsiConsole.MarkupLineInterpolated($"tracking plot: {PlotTracking(trace, Path.Combine(outDir, "tracking.png"))}");
        if (code != 0) return code;

        // 3. Over ROS 2: the simulated robot and the deploy node in two processes on DDS.
        AnsiConsole.Write(new Rule(robotInterface == RobotInterface.UnitreeGo2
            ? "[bold]3. Over the Unitree Go2 interface (rt/lowstate, rt/lowcmd on Cyclone DDS, loopback): sim-robot and deploy node in two processes[/]"
            : "[bold]3. Over ROS 2 (Cyclone DDS, loopback): sim-robot and deploy node in two processes[/]").LeftJustified());
        code = DdsDemo.Run(policyPath, segment, security, robotInterface);
        if (code != 0) return code;

        // 4. The arm: the reach policy over ROS 2, goals set from another process with send-target.
        AnsiConsole.Write(new Rule($"[bold]4. The arm over ROS 2: {Path.GetFileName(armPolicyPath)} on the simulated Panda, goals from robotics send-target[/]").LeftJustified());
        PolicyContractSummary(armPolicyPath);
        code = DdsDemo.RunArm(armPolicyPath, secondsPerGoal: 4, Path.Combine(outDir, "reach_report.json"), security);
        if (code != 0) return code;

        // 5. The videos.
        if (video)
        {
            AnsiConsole.Write(new Rule("[bold]5. Videos (MuJoCo's renderer, headless EGL, ffmpeg)[/]").LeftJustified());
            Render(policyPath, Path.Combine(outDir, "walk.mp4"), "0.8,0,0", new RenderOptions { Width = 640, Height = 480 });
            // The arm from its pedestal's side, as the model reports frame it.
            Render(armPolicyPath, Path.Combine(outDir, "reach.mp4"), null, new RenderOptions { Width = 640, Height = 480, TrackBody = "link1", Distance = 1.9, Elevation = -25 });
        }
        AnsiConsole.MarkupLineInterpolated($"[green]demo done[/]: {outDir}");
        return 0;
    }

    private static void PolicyContractSummary(string path)
    {
        var c = OnnxPolicy.ReadContract(path);
        AnsiConsole.MarkupLineInterpolated($"robot {c.Robot}, task {c.Task}: {c.JointCount} joints, observation {c.ObservationDim} ({string.Join(" ", c.Observation.Select(t => $"{t.Name}[{t.Width}]"))}), policy at {1 / c.Control.PolicyPeriod:0} Hz over a {c.Control.Decimation}× faster PD loop");
        AnsiConsole.MarkupLineInterpolated($"commands: {string.Join(", ", c.Commands.Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.Name} [{r.Low:0.###}, {r.High:0.###}] {r.Unit}")))}; trained in run {c.Provenance.RunId}");
    }

    // Commanded and measured forward speed and yaw rate over the run, as a PNG.
    private static string PlotTracking(IReadOnlyList<HilCommand.TraceSample> trace, string path)
    {
        var t = trace.Select(s => s.Time - trace[0].Time).ToArray();
        var plot = new ScottPlot.Plot();
        void Line(double[] ys, string label, bool dashed)
        {
            var line = plot.Add.Scatter(t, ys);
            line.LegendText = label;
            line.MarkerSize = 0;
            if (dashed) line.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        Line(trace.Select(s => s.CommandVx).ToArray(), "commanded vx [m/s]", true);
        Line(trace.Select(s => s.Vx).ToArray(), "measured vx [m/s]", false);
        Line(trace.Select(s => s.CommandYawRate).ToArray(), "commanded yaw rate [rad/s]", true);
        Line(trace.Select(s => s.YawRate).ToArray(), "measured yaw rate [rad/s]", false);
        plot.Title("Go1 policy deployed on the simulated robot");
        plot.XLabel("time since the soft start [s]");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 900, 450);
        return path;
    }

    // command: a legged policy's held velocity command 'vx,vy,yaw_rate'; null for an arm (its task's own goals).
    private static void Render(string policyPath, string path, string? command, RenderOptions options)
    {
        try
        {
            var (onnx, task) = PolicyFiles.Open(policyPath);
            using (onnx)
                RenderCommand.Run(task, Policies.Batch(onnx), onnx.ObservationDim, Path.GetFileName(policyPath),
                    new RenderCommand.Settings(6, 30, path, 0, command, null, options));
        }
        catch (Exception e) when (e is UserError or InvalidOperationException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]video skipped:[/] {e.Message}");
        }
    }

    // The whole path in about a minute: PPO on the cart-pole from scratch, export to ONNX, evaluate the exported file.
    private static int TrainSmallPolicy(string outDir)
    {
        AnsiConsole.Write(new Rule("[bold]0. Training a small policy from scratch: PPO on the cart-pole[/]").LeftJustified());
        Robotics.Training.Devices.TorchRuntime.Initialize(Robotics.Training.Devices.ComputeDevice.Cpu);
        var options = new TrainOptions
        {
            Task = "cartpole_balance", Envs = 32, Threads = Math.Min(2, Environment.ProcessorCount), Iterations = 60, CheckpointEvery = 60, Seed = 3,
            RunsDirectory = Path.Combine(outDir, "runs"),
            StepsPerEnv = 32,
            Network = new Robotics.Training.Models.NetworkConfig { Hidden = new[] { 64, 64 } },
        };
        using var session = TrainingSession.Start(options, TorchSharp.torch.CPU);
        var last = session.Learn(s =>
        {
            if ((s.Iteration + 1) % 10 == 0)
                AnsiConsole.MarkupLineInterpolated($"  iteration {s.Iteration + 1}/{options.Iterations}: mean episode length {s.MeanEpisodeLength:0} steps (500 = balanced for the whole 10 s)");
        });
        AnsiConsole.MarkupLineInterpolated($"checkpoint {last}");
        var onnx = Path.Combine(outDir, "cartpole_balance.onnx");
        return ExportCommand.Export(last, onnx, commit: null);
    }
}
