using Robotics.Sim.Envs;
using Robotics.Sim.MuJoCo;
using Robotics.Sim.Random;
using Robotics.Deploy.Contract;

namespace Robotics.Sim.Tasks;

/// <summary>Settings of the cart-pole task. Validated by <see cref="Validate"/>.</summary>
public sealed record CartPoleConfig
{
    /// <summary>Start hanging down (swing-up) instead of upright (balance).</summary>
    public bool SwingUp { get; init; } = true;

    /// <summary>Physics steps per policy step; the model's timestep is 0.01 s, so 2 gives a 50 Hz policy.</summary>
    public int Decimation { get; init; } = 2;

    /// <summary>Policy steps per episode before truncation (500 × 0.02 s = 10 s).</summary>
    public int MaxEpisodeSteps { get; init; } = 500;

    /// <summary>Cart position beyond which the episode terminates [m]; the rail ends at ±1.8 m.</summary>
    public double CartLimit { get; init; } = 1.5;

    /// <summary>Pole angle from upright beyond which the episode terminates [rad]; 0 = never (the dm_control form). Meant for balance.</summary>
    public double TerminateAngle { get; init; }

    /// <summary>Half-width of the uniform noise on the initial cart position [m], pole angle [rad] and both velocities.</summary>
    public double InitialNoise { get; init; } = 0.05;

    /// <summary>Throws <see cref="UserError"/> naming the first field out of range.</summary>
    public CartPoleConfig Validate()
    {
        if (Decimation is < 1 or > 100) throw new UserError($"CartPoleConfig.Decimation = {Decimation}: allowed 1..100");
        if (MaxEpisodeSteps < 1) throw new UserError($"CartPoleConfig.MaxEpisodeSteps = {MaxEpisodeSteps}: must be ≥ 1");
        if (!(CartLimit > 0 && CartLimit <= 1.8)) throw new UserError($"CartPoleConfig.CartLimit = {CartLimit} m: allowed (0, 1.8]");
        if (!(InitialNoise >= 0 && InitialNoise <= 1)) throw new UserError($"CartPoleConfig.InitialNoise = {InitialNoise}: allowed [0, 1]");
        if (!(TerminateAngle >= 0 && TerminateAngle <= Math.PI)) throw new UserError($"CartPoleConfig.TerminateAngle = {TerminateAngle} rad: allowed [0, π]");
        return this;
    }
}

/// <summary>
/// Cart-pole swing-up (or balance) in MuJoCo: the small real task the fast learning tests use.
/// Reward in [0, 1]: upright × centred × small control × small velocity, each smooth.
/// </summary>
public sealed class CartPole : IMjTask, IDisposable
{
    private readonly CartPoleConfig _config;
    private readonly int _tip;

    /// <summary>Loads the embedded model with <paramref name="config"/> (defaults when null).</summary>
    public CartPole(CartPoleConfig? config = null)
    {
        _config = (config ?? new CartPoleConfig()).Validate();
        Model = MjModel.FromXml(Assets.Read("cartpole.xml"), "cartpole.xml");
        _tip = Model.SiteId("tip");
        ObservationGroups = new[]
        {
            new ObservationGroup(ObservationGroup.Policy, new ObservationTerm[]
            {
                new("cart_pos", 1),     // [m]
                new("pole_cos_sin", 2), // cos θ, sin θ; θ = 0 upright
                new("cart_vel", 1),     // [m/s]
                new("pole_angvel", 1),  // [rad/s]
            }),
            new ObservationGroup(ObservationGroup.Critic, new ObservationTerm[]
            {
                new("cart_pos", 1), new("pole_cos_sin", 2), new("cart_vel", 1), new("pole_angvel", 1),
                new("tip_height", 1),       // [m] above the rail, privileged
                new("time_remaining", 1),   // fraction of the episode left, privileged
            }),
        };
    }

    /// <inheritdoc/>
    public string Name => _config.SwingUp ? "cartpole_swingup" : "cartpole_balance";
    /// <inheritdoc/>
    public MjModel Model { get; }
    /// <inheritdoc/>
    public int ActionDim => 1;
    /// <inheritdoc/>
    public int Decimation => _config.Decimation;
    /// <inheritdoc/>
    public int MaxEpisodeSteps => _config.MaxEpisodeSteps;
    /// <inheritdoc/>
    public IReadOnlyList<ObservationGroup> ObservationGroups { get; }

    private int[] _steps = Array.Empty<int>();

    /// <inheritdoc/>
    public void Initialize(int numEnvs) => _steps = new int[numEnvs];

    /// <inheritdoc/>
    public void Reset(int env, MjData data, ref Rng rng)
    {
        double n = _config.InitialNoise;
        var qpos = data.Qpos;
        var qvel = data.Qvel;
        qpos[0] = rng.Uniform(-n, n);
        qpos[1] = (_config.SwingUp ? Math.PI : 0) + rng.Uniform(-n, n);
        qvel[0] = rng.Uniform(-n, n);
        qvel[1] = rng.Uniform(-n, n);
        _steps[env] = 0;
        data.Forward();
    }

    /// <inheritdoc/>
    public void Simulate(int env, MjData data, ReadOnlySpan<float> action, ref Rng rng)
    {
        data.Ctrl[0] = Math.Clamp(action[0], -1f, 1f);
        _steps[env]++;
        data.Step(Decimation);
    }

    /// <inheritdoc/>
    public void Observe(int env, MjData data, int group, Span<float> o, ref Rng rng)
    {
        var qpos = data.Qpos;
        var qvel = data.Qvel;
        o[0] = (float)qpos[0];
        o[1] = (float)Math.Cos(qpos[1]);
        o[2] = (float)Math.Sin(qpos[1]);
        o[3] = (float)qvel[0];
        o[4] = (float)qvel[1];
        if (group == 1)
        {
            o[5] = (float)(data.SiteXpos[_tip * 3 + 2] - 1.0);
            o[6] = 1f - (float)_steps[env] / MaxEpisodeSteps;
        }
    }

    /// <inheritdoc/>
    public float Reward(int env, MjData data, ReadOnlySpan<float> action, Span<float> terms)
    {
        double x = data.Qpos[0], cos = Math.Cos(data.Qpos[1]), w = data.Qvel[1];
        double upright = (cos + 1) / 2;
        double centred = (1 + Tolerance(x, 2.0)) / 2;
        double u = action[0];
        double smallControl = (4 + Tolerance(u, 1.0)) / 5;
        double smallVelocity = (1 + Tolerance(w, 5.0)) / 2;
        return (float)(upright * centred * smallControl * smallVelocity);
    }

    // 1 at 0, falling smoothly (quadratically) to 0 at |value| = margin.
    private static double Tolerance(double value, double margin)
    {
        double r = Math.Min(Math.Abs(value) / margin, 1);
        return 1 - r * r;
    }

    /// <inheritdoc/>
    public bool IsTerminated(int env, MjData data) =>
        Math.Abs(data.Qpos[0]) > _config.CartLimit
        || (_config.TerminateAngle > 0 && Math.Cos(data.Qpos[1]) < Math.Cos(_config.TerminateAngle));

    /// <summary>Frees the model.</summary>
    public void Dispose() => Model.Dispose();
}
