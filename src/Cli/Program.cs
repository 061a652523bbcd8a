using System.CommandLine;
using Robotics.Cli;

// The `robotics` command. Each verb lives in its own file; this file only wires them together.
var root = new RootCommand("Robotics: a C# sim-to-real control stack (MuJoCo simulation, policy-gradient training, ONNX deployment, ROS 2).");
root.Subcommands.Add(AblateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(DeployCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ExportCommand.CreateInspect());
root.Subcommands.Add(HilCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(SimRobotCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
return root.Parse(args).Invoke();
