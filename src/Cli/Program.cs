using System.CommandLine;
using Robotics;
using Robotics.Cli;
using Robotics.RobotBridge.Dds;

// The `robotics` command. Each verb lives in its own file; this file wires them together and holds the
// one handler for bad input: a UserError from any layer, or a command line that does not parse (a value not
// of its option's type, an unknown option), is printed on one line and exits 2. Anything else is a bug and
// keeps its stack trace (exit 1), except a DDS middleware failure: not the user's input, but nothing a stack
// trace would help with either, so one line and exit 1.
var root = new RootCommand("Robotics: a C# sim-to-real control stack (MuJoCo simulation, policy-gradient training, ONNX deployment, ROS 2).");
root.Subcommands.Add(AblateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(DeployCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ExportCommand.CreateInspect());
root.Subcommands.Add(FuzzCommand.Create());
root.Subcommands.Add(HilCommand.Create());
root.Subcommands.Add(KeystoreCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(SendTargetCommand.Create());
root.Subcommands.Add(SimRobotCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
try
{
    var parsed = root.Parse(args);
    if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
    {
        Console.Error.WriteLine($"error: {ParseErrors.OneLine(parsed.Errors)}");
        return 2;
    }
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UserError e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (DdsException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
