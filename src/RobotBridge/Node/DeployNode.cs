using System.Diagnostics;
using System.Globalization;
using Robotics.Deploy.Contract;
using Robotics.Deploy.RealTime;
using Robotics.Deploy.Runtime;
using Robotics.Deploy.Safety;
using Robotics.RobotBridge.Messages.SensorMsgs;
using Robotics.RobotBridge.Ros2;

namespace Robotics.RobotBridge.Node;

/// <summary>Settings of a <see cref="DeployNode"/>.</summary>
public sealed record DeployNodeOptions
{
    /// <summary>The exported policy (.onnx with its contract).</summary>
    public required string PolicyPath { get; init; }
    /// <summary>ROS_DOMAIN_ID, 0–232.</summary>
    public uint DomainId { get; init; }
    /// <summary>Keep all DDS traffic on the loopback interface (tests, a robot and its simulator on one machine).</summary>
    public bool Loopback { get; init; }
    /// <summary>Topics and command format.</summary>
    public DdsRobotIoOptions Io { get; init; } = new();
    /// <summary>The robot's interface: ROS 2 joint_states / joint_commands, or the Unitree Go2's rt/lowstate / rt/lowcmd.</summary>
    public RobotInterface Interface { get; init; } = RobotInterface.Ros2;
    /// <summary>Lock-step: one tick per new joint state instead of the wall clock (deterministic tests against <c>sim-robot --lockstep</c>).</summary>
    public bool LockStep { get; init; }
    /// <summary>Run time [s] of wall clock; 0 = until cancelled.</summary>
    public double Seconds { get; init; }
    /// <summary>Request a start once joint states and every input the policy reads are live (see <see cref="AutoStartStates"/>).</summary>
    public bool AutoStart { get; init; }
    /// <summary>
    /// Usable joint states read before an auto-start; null = 1 in lock-step (the first state, as the in-process
    /// reference starts) and 20 on the wall clock (0.1 s at 200 Hz: a driver that has only just come up may stall
    /// for longer than the watchdog allows).
    /// </summary>
    public int? AutoStartStates { get; init; }
    /// <summary>Timing of the real-time loop (ignored in lock-step).</summary>
    public LoopConfig Loop { get; init; } = new() { WarmupTicks = 200 };
    /// <summary>A velocity command older than this [s] is replaced by zero (stand still); null = <see cref="SafetyConfig.CommandTimeout"/>.</summary>
    public double? CommandTimeout { get; init; }
    /// <summary>
    /// Lock-step: wall-clock time [s] without a new joint state, once states have flowed, after which the node trips as
    /// its watchdog does on the wall clock (StaleSensors: Damping, or Hold for an arm) and writes that command. Lock-step
    /// ticks only on new states, so without this a robot that died would leave the node driving on its last command.
    /// </summary>
    public double LockStepTimeout { get; init; } = DefaultLockStepTimeout;
    /// <summary>The default of <see cref="LockStepTimeout"/> [s]: well above a loaded machine's pauses.</summary>
    public const double DefaultLockStepTimeout = 2.0;
    /// <summary>Refuse to run while another participant writes on the joint-command topic (two controllers, one robot).</summary>
    public bool CheckCommandWriters { get; init; } = true;
    /// <summary>DDS Security from an SROS2 keystore enclave (normally <c>/deploy</c>); null = none.</summary>
    public Security.Ros2SecurityOptions? Security { get; init; }

    /// <summary>Throws <see cref="UserError"/> naming the first bad field; returns this.</summary>
    public DeployNodeOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(PolicyPath)) throw new UserError("DeployNodeOptions.PolicyPath is empty");
        if (DomainId > 232) throw new UserError($"DeployNodeOptions.DomainId = {DomainId}: allowed 0–232");
        if (!(Seconds >= 0 && double.IsFinite(Seconds))) throw new UserError($"DeployNodeOptions.Seconds = {Seconds} s: must be ≥ 0 (0 = until cancelled)");
        if (AutoStartStates is < 1) throw new UserError($"DeployNodeOptions.AutoStartStates = {AutoStartStates}: must be ≥ 1");
        if (CommandTimeout is { } ct && !(ct > 0 && double.IsFinite(ct))) throw new UserError($"DeployNodeOptions.CommandTimeout = {ct} s: must be positive and finite");
        if (!(LockStepTimeout > 0 && double.IsFinite(LockStepTimeout))) throw new UserError($"DeployNodeOptions.LockStepTimeout = {LockStepTimeout} s: must be positive and finite");
        (Io ?? throw new UserError("DeployNodeOptions.Io is missing")).Validate();
        if (!Enum.IsDefined(Interface)) throw new UserError($"DeployNodeOptions.Interface {Interface} is not defined");
        (Loop ?? throw new UserError("DeployNodeOptions.Loop is missing")).Validate();
        return this;
    }
}

/// <summary>What a deploy-node run ended with: the safety state and the loop's timing.</summary>
/// <param name="FinalState">Safety state at the end.</param>
/// <param name="LastCause">Cause of the last transition.</param>
/// <param name="Ticks">Control ticks run.</param>
/// <param name="PolicyRuns">Policy evaluations.</param>
/// <param name="TickP50">Lock-step: median tick compute time; real time: median |period error| [s].</param>
/// <param name="TickP99">As <paramref name="TickP50"/>, 99th percentile [s].</param>
/// <param name="TickMax">As <paramref name="TickP50"/>, largest [s].</param>
/// <param name="Overruns">Real time: ticks that ended after the next deadline (0 in lock-step).</param>
/// <param name="AllocatedBytes">Real time: bytes the loop thread allocated after warm-up (−1 in lock-step).</param>
/// <param name="EStopReceivedTick">Ticks read before the first e-stop press arrived, or −1.</param>
/// <param name="EStopTick">Tick at which the layer entered the e-stop's state (EStop; Hold for an arm), or −1.</param>
/// <param name="Refusal">Why the node never drove the robot (a joint missing from joint_states, an input that never came,
/// another writer on the command topic, a start the safety layer refused), or null when it started or was never asked to.</param>
/// <param name="StateAgeP99">99th percentile of the age of the joint state each tick acted on, when its command was written [s] (<see cref="StateAgeMeter"/>).</param>
/// <param name="StateAge">The state-age line: which clock, p50/p90/p99/max and the bins.</param>
/// <param name="TrainedLatency">The action latency the policy was trained for and how the measurement compares (the warning when above), or that the contract does not record it.</param>
/// <param name="LatencyWarning">The warning when the measured p99 exceeds the trained maximum plus one control period, else null.</param>
public sealed record DeployRunResult(SafetyState FinalState, SafetyCause LastCause, long Ticks, long PolicyRuns,
    double TickP50, double TickP99, double TickMax, long Overruns, long AllocatedBytes, long EStopReceivedTick, long EStopTick, string? Refusal,
    double StateAgeP99, string StateAge, string TrainedLatency, string? LatencyWarning);

/// <summary>
/// <c>robotics deploy</c>: the real-time node. Loads the policy and its contract, builds the <see cref="Controller"/>
/// on a <see cref="DdsRobotIo"/>, and runs it — on a <see cref="RealTimeLoop"/> at the contract's control period,
/// or in lock-step (one tick per new joint state). Starts the controller once sensors are live (auto-start),
/// logs every safety transition through an <see cref="EventLogPump"/>, and reports the loop's timing at the end, with the age
/// of the joint states the ticks acted on against the action latency the policy was trained with (warned about once in the log).
/// </summary>
// DESIGN: lock-step ticks on the joint state's stamp changing, not on every message: the simulated robot repeats
// its state while waiting for the first command, and a tick per repeat would advance the controller without the
// robot. The real-time loop keeps the supervising work (auto-start, error reports) on the calling thread, so the
// loop thread only ever runs Controller.Tick.
public sealed class DeployNode : IDisposable
{
    private readonly DeployNodeOptions _o;
    private readonly OnnxPolicy _policy;
    private readonly Ros2Node _node;

    /// <summary>Loads the policy and joins the DDS domain.</summary>
    /// <exception cref="UserError">The policy file or its contract is bad (named), a bad option, or a contract the real-time controller cannot run.</exception>
    public DeployNode(DeployNodeOptions options)
    {
        _o = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        var contract = OnnxPolicy.ReadContract(_o.PolicyPath);
        _policy = OnnxPolicy.Load(_o.PolicyPath, contract.JointNames);   // the policy's own order: the node maps joint states by name
        try
        {
            var config = ControllerConfig.FromContract(_policy.Contract);
            Config = _o.CommandTimeout is { } timeout ? config with { Safety = config.Safety with { CommandTimeout = timeout } } : config;
            _node = new Ros2Node("deploy", (_o.Loopback ? Ros2NodeOptions.Loopback(_o.DomainId) : new Ros2NodeOptions { DomainId = _o.DomainId }) with
            {
                Security = _o.Security,
                // Just below the loop: joint states come in ahead of everything but the control tick itself.
                ReceivePriority = _o.Loop.FifoPriority > 1 && !_o.LockStep ? _o.Loop.FifoPriority - 1 : 0,
            });
            Io = _o.Interface == RobotInterface.UnitreeGo2
                ? new Unitree.UnitreeGo2Io(_node, Config.JointNames, _policy.Contract.Inputs, _o.Io)
                : new DdsRobotIo(_node, Config.JointNames, _policy.Contract.Inputs, _o.Io);
            Controller = new Controller(Config, _policy, Io);
            Io.StatusSource = Controller;
            if (_o.LockStep) Controller.StateAge.UseReceipt("lock-step: the stamps are simulated time");
        }
        catch
        {
            _node?.Dispose();
            _policy.Dispose();
            throw;
        }
    }

    /// <summary>The controller's configuration (from the contract).</summary>
    public ControllerConfig Config { get; }
    /// <summary>The robot's side: a <see cref="DdsRobotIo"/> or a <see cref="Unitree.UnitreeGo2Io"/>.</summary>
    public IDeployIo Io { get; }
    /// <summary>The controller.</summary>
    public Controller Controller { get; }
    /// <summary>The policy's contract.</summary>
    public PolicyContract Contract => _policy.Contract;
    /// <summary>What the real-time loop thread was granted (null in lock-step or before the run).</summary>
    public RealTimeSetup? Setup { get; private set; }

    /// <summary>How the node's DDS receive thread is scheduled (see <see cref="Ros2NodeOptions.ReceivePriority"/>).</summary>
    public string ReceiveScheduler => _node.ReceiveScheduler;

    /// <summary>Runs until <see cref="DeployNodeOptions.Seconds"/> pass or <paramref name="cancel"/> fires; each log line goes to <paramref name="log"/>.</summary>
    public DeployRunResult Run(Action<string> log, CancellationToken cancel = default)
    {
        var safety = Controller.Safety;
        var compile = Stopwatch.StartNew();
        int compiled = JitWarmup.Prepare(typeof(Controller).Assembly) + JitWarmup.Prepare(typeof(DeployNode).Assembly,
            "Robotics.RobotBridge.Node", "Robotics.RobotBridge.Unitree", "Robotics.RobotBridge.Ros2", "Robotics.RobotBridge.Dds", "Robotics.RobotBridge.Cdr", "Robotics.RobotBridge.Messages");
        log($"compiled {compiled} methods of the loop's paths in {compile.Elapsed.TotalMilliseconds:0} ms (a first trip waits for no JIT)");
        // The pump formats events off the loop thread.
        using var pump = new EventLogPump(Controller.Events, line => log(line));
        var clock = Stopwatch.StartNew();
        bool Done() => cancel.IsCancellationRequested || (_o.Seconds > 0 && clock.Elapsed.TotalSeconds >= _o.Seconds);
        bool requested = false, started = false, silent = false;
        long startAfter = _o.AutoStartStates ?? (_o.LockStep ? 1 : 20);
        string? reportedError = null, reportedWriters = null;
        var reportedInput = new string?[PolicyInputs.KindCount];
        bool waitingLogged = false, latencyWarned = false;
        IReadOnlyList<RemoteWriter> writers = [];
        double nextWriterCheck = 0;

        // Once per pass of the supervising thread: report a bad joint state or input message, say what the node still
        // waits for, watch the command topic for another writer, start when sensors are live.
        void Supervise()
        {
            started |= safety.State != SafetyState.Idle;
            var error = Io.JointStateError;
            if (error is not null && error != reportedError) { log($"refusing to start: {error}"); reportedError = error; }
            foreach (var s in Io.Inputs)
            {
                var inputError = Io.InputError(s.Kind);
                if (inputError is null || inputError == reportedInput[(int)s.Kind]) continue;
                log(!requested && Io.InputsReceived(s.Kind) == 0 ? $"refusing to start: {inputError}" : inputError);
                reportedInput[(int)s.Kind] = inputError;
            }
            if (!waitingLogged && !Io.SensorsLive)
            {
                if (Io.Sequence == 0) log($"waiting for joint_states ({Io.JointStatesType} on {Io.JointStatesTopic})");
                foreach (var s in Io.MissingInputs) log($"waiting for {s.Describe()}");
                waitingLogged = true;
            }
            // Discovery changes slowly; every 50 ms keeps the check off the DDS lock the rest of the time.
            if (_o.CheckCommandWriters && clock.Elapsed.TotalSeconds >= nextWriterCheck)
            {
                nextWriterCheck = clock.Elapsed.TotalSeconds + 0.05;
                writers = Io.ForeignCommandWriters;
                string? text = writers.Count == 0 ? null : ForeignWritersText(writers);
                if (text != reportedWriters)
                {
                    log(text is null ? $"{Io.JointCommandsTopic}: no other writer any more" : started ? $"{text}; stopping" : $"refusing to start: {text}");
                    reportedWriters = text;
                }
            }
            if (!latencyWarned && Controller.StateAge.Warning() is { } warning) { log(warning); latencyWarned = true; }
            safety.SetExternalFault(writers.Count > 0 ? SafetyCause.ForeignWriter : silent ? SafetyCause.StaleSensors : SafetyCause.None);
            if (_o.AutoStart && !requested && Io.SensorsLive && Io.Sequence >= startAfter && error is null && writers.Count == 0)
            {
                safety.RequestStart();
                requested = true;
                log($"sensors live (joint state #{Io.Sequence}{string.Concat(Io.Inputs.Select(s => $", {s.Input.Name} #{Io.InputsReceived(s.Kind)}"))}); start requested");
            }
        }

        if (_o.LockStep)
        {
            var ticks = new List<double>();
            var sinceState = Stopwatch.StartNew();
            while (!Done())
            {
                if (!Io.WaitForNewState(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(20)))
                {
                    // The robot went silent on the wall clock: trip as the real-time watchdog would, and write that command now.
                    if (!silent && Io.Sequence > 0 && sinceState.Elapsed.TotalSeconds >= _o.LockStepTimeout)
                    {
                        silent = true;
                        log(string.Create(CultureInfo.InvariantCulture, $"lock-step: no new joint state on {Io.JointStatesTopic} for {sinceState.Elapsed.TotalSeconds:0.0} s of wall clock (limit {_o.LockStepTimeout:0.###} s): tripping"));
                        Supervise();
                        Controller.Tick();
                    }
                    Supervise();
                    continue;
                }
                if (silent) log("lock-step: joint states again");
                silent = false;
                sinceState.Restart();
                Supervise();
                long t0 = Stopwatch.GetTimestamp();
                Controller.Tick();
                ticks.Add((Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency);
            }
            Supervise();
            ticks.Sort();
            double P(double p) => ticks.Count == 0 ? double.NaN : ticks[Math.Min(ticks.Count - 1, (int)(p * ticks.Count))];
            return Result(P(0.5), P(0.99), ticks.Count > 0 ? ticks[^1] : double.NaN, 0, -1, started ? null : Refusal(writers));
        }

        using var loop = new RealTimeLoop(Controller, _o.Loop);
        loop.Start();
        Setup = loop.Setup;
        try
        {
            while (!Done())
            {
                Supervise();
                Thread.Sleep(5);
            }
        }
        finally { loop.Stop(); }
        Supervise();
        if (loop.Failure is { } failure) log($"loop failed (damping written): {failure.Message}");
        var h = loop.Histogram;
        return Result(h.Percentile(0.5), h.Percentile(0.99), h.Max, loop.Overruns, loop.AllocatedBytes, started ? null : Refusal(writers));
    }

    private DeployRunResult Result(double tickP50, double tickP99, double tickMax, long overruns, long allocated, string? refusal)
    {
        var age = Controller.StateAge;
        return new DeployRunResult(Controller.Safety.State, Controller.Safety.LastCause, Controller.Ticks, Controller.PolicyRuns, tickP50, tickP99, tickMax,
            overruns, allocated, Io.EStopReceivedTick, Io.EStopTick, refusal, age.Histogram.Percentile(0.99), age.Describe(), age.DescribeTrained(), age.Warning());
    }

    private string ForeignWritersText(IReadOnlyList<RemoteWriter> writers) =>
        $"another writer on {Io.JointCommandsTopic}: {string.Join("; ", writers.Select(w => w.Describe()))} (two controllers must not drive one robot)";

    // Why a node that never left Idle did not drive the robot; null when nothing stood in the way (no start was asked for).
    private string? Refusal(IReadOnlyList<RemoteWriter> writers)
    {
        if (Io.JointStateError is { } error) return error;
        if (writers.Count > 0) return ForeignWritersText(writers);
        if (Io.Sequence == 0) return _o.AutoStart ? $"no joint state arrived on {Io.JointStatesTopic}" : null;
        foreach (var s in Io.Inputs)
            if (Io.InputError(s.Kind) is { } inputError && Io.InputsReceived(s.Kind) == 0) return inputError;
        if (Io.MissingInputs.Count > 0 && _o.AutoStart) return $"no message arrived of {string.Join(", ", Io.MissingInputs.Select(s => s.Describe()))}";
        var safety = Controller.Safety;
        if (safety.LastRefused is var cause && cause != SafetyCause.None)
        {
            int k = safety.LastRefusedIndex;
            string subject = cause is SafetyCause.StaleInput or SafetyCause.MissingInput && k is >= 0 and < PolicyInputs.KindCount ? $", input {PolicyInputs.Name((InputKind)k)}"
                : k >= 0 && k < Config.Joints ? $", joint {Config.JointNames[k]}" : "";
            return $"the safety layer refused the start ({cause}{subject})";
        }
        return _o.AutoStart && Io.Sequence < (_o.AutoStartStates ?? (_o.LockStep ? 1 : 20)) ? $"only {Io.Sequence} joint state(s) arrived before the end" : null;
    }

    /// <summary>Leaves the DDS domain and frees the policy.</summary>
    public void Dispose()
    {
        _node.Dispose();
        _policy.Dispose();
    }
}
