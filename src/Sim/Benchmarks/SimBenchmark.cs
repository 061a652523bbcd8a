using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Robotics.Sim.Envs;
using Robotics.Sim.Interop;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Sim.Tasks;

namespace Robotics.Sim.Benchmarks;

/// <summary>Settings of <see cref="SimBenchmark"/>.</summary>
public sealed record SimBenchmarkConfig
{
    /// <summary>MJCF or URDF file to simulate.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Environments (one MjData each).</summary>
    public int Envs { get; init; } = 64;

    /// <summary>Worker threads, the caller included.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Wall-clock seconds each measurement runs.</summary>
    public double Seconds { get; init; } = 3;

    /// <summary>Standard deviation of the Gaussian control noise of (a), (b) and mujoco-testspeed [control units].</summary>
    public double CtrlNoise { get; init; } = 0.01;

    /// <summary>The mujoco-testspeed binary; skipped when it is not installed.</summary>
    public string TestspeedPath { get; init; } = "/usr/bin/mujoco-testspeed";

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public SimBenchmarkConfig Validate()
    {
        if (Envs < 1) throw new UserError($"--envs = {Envs}: must be ≥ 1");
        if (Threads < 1) throw new UserError($"--threads = {Threads}: must be ≥ 1");
        if (Threads > Envs) throw new UserError($"--threads = {Threads} exceeds --envs = {Envs}: every thread needs an environment");
        if (!(Seconds > 0 && Seconds <= 600)) throw new UserError($"--seconds = {Seconds}: allowed (0, 600]");
        if (!(CtrlNoise >= 0)) throw new UserError($"CtrlNoise = {CtrlNoise}: must be ≥ 0");
        return this;
    }
}

/// <summary>One throughput figure: physics steps per second in total, and the mean contacts per step.</summary>
public sealed record Throughput(double StepsPerSecond, double ContactsPerStep)
{
    /// <summary>Steps per second per thread.</summary>
    public double PerCore(int threads) => StepsPerSecond / threads;
}

/// <summary>What <see cref="SimBenchmark.Run"/> measured.</summary>
/// <param name="Config">What was asked for.</param>
/// <param name="ModelSummary">The model's sizes and timestep.</param>
/// <param name="Raw">(a) mj_step through the interop, nothing else.</param>
/// <param name="Env">(b) environment steps, with actions, observations, rewards and resets (physics steps: env steps × decimation).</param>
/// <param name="Testspeed">(d) mujoco-testspeed on the same model and thread count, or null when it is not installed.</param>
/// <param name="TestspeedNote">Why (d) is missing, or the command that produced it.</param>
public sealed record SimBenchmarkResult(SimBenchmarkConfig Config, string ModelSummary, Throughput Raw, Throughput Env,
    Throughput? Testspeed, string TestspeedNote)
{
    /// <summary>(c) environment over raw throughput.</summary>
    public double EnvOverRaw => Env.StepsPerSecond / Raw.StepsPerSecond;

    /// <summary>Environment over mujoco-testspeed throughput (goal: ≥ 0.9 per core).</summary>
    public double? EnvOverTestspeed => Testspeed is null ? null : Env.StepsPerSecond / Testspeed.StepsPerSecond;
}

/// <summary>
/// Measures, in one run on one model: (a) raw mj_step steps/s through the interop, (b) environment
/// steps/s with everything an environment does, (c) their ratio, and (d) mujoco-testspeed's figure.
/// The three run interleaved, in <see cref="Rounds"/> rounds, so that a machine whose speed drifts
/// (a shared VM) biases none of them.
/// </summary>
public static class SimBenchmark
{
    /// <summary>Rounds of (a), (b), (d), each a third of the requested time.</summary>
    public const int Rounds = 5;

    private const int WarmupSteps = 400;   // 2 s at dt 5 ms: a dropped robot has landed

    /// <summary>Runs the measurements; <paramref name="log"/> hears about progress.</summary>
    public static SimBenchmarkResult Run(SimBenchmarkConfig config, Action<string>? log = null)
    {
        config.Validate();
        log ??= _ => { };
        using var model = MjModel.FromFile(config.ModelPath);
        var summary = $"{Path.GetFileName(config.ModelPath)}: nq={model.Nq} nv={model.Nv} nu={model.Nu} nbody={model.Nbody} dt={model.Timestep * 1000:0.###} ms";
        double slice = config.Seconds / Rounds;

        using var raw = new RawLoop(model, config);
        using var env = new EnvLoop(model, config);
        log("warming up");
        raw.Run(steps: WarmupSteps);
        env.Run(steps: WarmupSteps);
        raw.Reset(); env.Reset();

        Tally testspeed = default;
        string note = "";
        bool testspeedOk = true;
        for (int r = 1; r <= Rounds; r++)
        {
            log($"round {r}/{Rounds}: (a) raw mj_step");
            raw.Run(seconds: slice);
            log($"round {r}/{Rounds}: (b) environment");
            env.Run(seconds: slice);
            if (!testspeedOk) continue;
            log($"round {r}/{Rounds}: (d) mujoco-testspeed");
            var (t, n) = Testspeed(config, raw.Tally.Rate / config.Threads * slice);
            note = n;
            if (t is { } tally) testspeed = testspeed.Add(tally); else testspeedOk = false;
        }
        return new SimBenchmarkResult(config, summary, raw.Tally.ToThroughput(), env.Tally.ToThroughput(),
            testspeedOk ? testspeed.ToThroughput() : null, note);
    }

    // Steps, seconds and contacts added up over rounds.
    private readonly record struct Tally(long Steps, double Seconds, double Contacts, long Sampled)
    {
        public double Rate => Steps / Math.Max(Seconds, 1e-9);
        public Tally Add(Tally o) => new(Steps + o.Steps, Seconds + o.Seconds, Contacts + o.Contacts, Sampled + o.Sampled);
        public Throughput ToThroughput() => new(Rate, Sampled > 0 ? Contacts / Sampled : double.NaN);
    }

    // mujoco-testspeed's workload inside an environment: start at qpos0, controls = Gaussian noise of
    // CtrlNoise. The same motion in (a), (b) and (d), so the ratios measure software, not physics.
    // Episodes last 4000 physics steps (20 s at 5 ms, legged_gym's episode), so resets are measured
    // at the rate training meets them.
    private static ModelTask Task(MjModel model) => new(model, new ModelTaskConfig
    {
        Decimation = 1, MaxEpisodeSteps = 4000, ResetToKeyframe = false, Actions = ActionMapping.Raw, ResetNoise = 0,
    });

    // (a) Each worker steps its own block of MjData in a tight loop, copying precomputed controls in
    // first, as mujoco-testspeed does in C. States and controls come from the same task as (b) (its
    // reset, its action mapping, the same noise), so that (b) − (a) is the environment's own cost.
    private sealed unsafe class RawLoop : IDisposable
    {
        private const int NoiseRows = 1024;
        private readonly MjModel _model;
        private readonly MjData[] _data;
        private readonly double[] _ctrl;   // [NoiseRows, nu]
        private readonly int _threads;
        private readonly WorkerPool _pool;
        private readonly ModelTask _task;
        private readonly long[] _steps, _contacts;
        private long _row;

        public RawLoop(MjModel model, SimBenchmarkConfig config)
        {
            _model = model;
            _threads = config.Threads;
            _task = Task(model);
            _task.Initialize(config.Envs);
            _data = Enumerable.Range(0, config.Envs).Select(_ => new MjData(model)).ToArray();
            int nu = model.Nu;
            var rng = Rng.For(0, "bench-raw");
            _ctrl = new double[NoiseRows * nu];
            var action = new float[nu];
            using (var scratch = new MjData(model))
                for (int r = 0; r < NoiseRows; r++)
                {
                    for (int j = 0; j < nu; j++) action[j] = (float)(config.CtrlNoise * rng.Normal());
                    _task.WriteControls(scratch, action);
                    scratch.Ctrl.CopyTo(_ctrl.AsSpan(r * nu, nu));
                }
            _pool = new WorkerPool(_threads, "bench-raw");
            _steps = new long[_threads];
            _contacts = new long[_threads];
            Reset();
        }

        public Tally Tally { get; private set; }

        public void Reset()
        {
            var rng = Rng.For(0, "bench-raw-reset");
            for (int i = 0; i < _data.Length; i++) { _data[i].Reset(); _task.Reset(i, _data[i], ref rng); }
            Tally = default;
        }

        // Runs for a number of rounds over all data, or for a time; adds to Tally.
        public void Run(double seconds = 0, int steps = 0)
        {
            var m = _model.Native;
            int n = _data.Length, k = _threads, nu = _model.Nu;
            var clock = Stopwatch.StartNew();
            _pool.Run(w =>
            {
                int begin = n * w / k, end = n * (w + 1) / k;
                var ptrs = _data[begin..end].Select(d => (nint)d.Native).ToArray();
                long s = 0, c = 0, row = _row;
                fixed (double* table = _ctrl)
                {
                    for (long sweep = 0; steps > 0 ? sweep < steps : clock.Elapsed.TotalSeconds < seconds; sweep++)
                    {
                        var ctrl = table + (row++ % NoiseRows) * nu;
                        foreach (var p in ptrs)
                        {
                            var d = (mjData*)p;
                            for (int j = 0; j < nu; j++) d->ctrl[j] = ctrl[j];
                            MuJoCoNative.mj_step(m, d);
                            c += d->ncon;
                            s++;
                        }
                    }
                }
                _steps[w] = s;
                _contacts[w] = c;
            });
            double elapsed = clock.Elapsed.TotalSeconds;
            _row += _steps[0] / Math.Max(1, n / k);
            long total = _steps.Sum();
            Tally = Tally.Add(new Tally(total, elapsed, _contacts.Sum(), total));
        }

        public void Dispose()
        {
            _pool.Dispose();
            foreach (var d in _data) d.Dispose();
        }
    }

    // (b) The vectorized environment on the same task: actions → controls, decimation physics steps,
    // observations of both groups, reward, termination and auto-reset.
    private sealed class EnvLoop : IDisposable
    {
        private const int Rows = 64;
        private readonly MjVecEnv _env;
        private readonly float[] _actions;   // [Rows, N, actionDim]
        private readonly int _stride;
        private long _row;

        public EnvLoop(MjModel model, SimBenchmarkConfig config)
        {
            _env = new MjVecEnv(Task(model), config.Envs, config.Threads, seed: 1);
            _stride = _env.NumEnvs * _env.ActionDim;
            var rng = Rng.For(0, "bench-actions");
            _actions = new float[Rows * _stride];
            for (int i = 0; i < _actions.Length; i++) _actions[i] = (float)(config.CtrlNoise * rng.Normal());
        }

        public Tally Tally { get; private set; }

        public void Reset() { _env.Reset(1); Tally = default; }

        public void Run(double seconds = 0, int steps = 0)
        {
            long count = 0, contacts = 0, sampled = 0;
            var clock = Stopwatch.StartNew();
            while (steps > 0 ? count < steps : clock.Elapsed.TotalSeconds < seconds)
            {
                _env.Step(_actions.AsSpan((int)(_row++ % Rows) * _stride, _stride));
                count++;
                if (count % 16 == 0)
                    for (int i = 0; i < _env.NumEnvs; i++) { contacts += _env.Data(i).Ncon; sampled++; }
            }
            double elapsed = clock.Elapsed.TotalSeconds;
            Tally = Tally.Add(new Tally(count * _env.NumEnvs * _env.Task.Decimation, elapsed, contacts, sampled));
        }

        public void Dispose() => _env.Dispose();
    }

    // (d) mujoco-testspeed MODEL NSTEP NTHREAD CTRLNOISE, NSTEP per thread sized to run about a slice.
    private static (Tally?, string) Testspeed(SimBenchmarkConfig config, double stepsPerThread)
    {
        if (!File.Exists(config.TestspeedPath))
            return (null, $"{config.TestspeedPath} is not installed (Debian package libmujoco-samples)");
        long nstep = Math.Max(1000, (long)stepsPerThread);
        var args = string.Join(' ', Quote(Path.GetFullPath(config.ModelPath)), nstep, config.Threads,
            config.CtrlNoise.ToString(CultureInfo.InvariantCulture));
        var command = $"mujoco-testspeed {args}";
        var psi = new ProcessStartInfo(config.TestspeedPath, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(config.Seconds * 10 + 60)))
        {
            p.Kill();
            return (null, $"{command} did not finish");
        }
        // One thread prints "Steps per second : N"; several print "Total steps per second : N".
        var sps = Regex.Match(output, @"Steps per second\s*:\s*([0-9.]+)", RegexOptions.IgnoreCase);
        var con = Regex.Match(output, @"Contacts per step\s*:\s*([0-9.]+)", RegexOptions.IgnoreCase);
        if (p.ExitCode != 0 || !sps.Success)
            return (null, $"{command} exited {p.ExitCode} without a figure: {(output + stderr.Result).Trim()}");
        double rate = double.Parse(sps.Groups[1].Value, CultureInfo.InvariantCulture);
        long total = nstep * config.Threads;
        double contacts = con.Success ? double.Parse(con.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return (new Tally(total, total / rate, contacts * total, con.Success ? total : 0), command);
    }

    private static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
}
