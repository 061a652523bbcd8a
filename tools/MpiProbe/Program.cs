using System.Diagnostics;
using System.Globalization;
using Robotics.Training.Algorithms;
using Robotics.Training.Distributed;
using Robotics.Training.Models;
using TorchSharp;

// mpiprobe collectives N   : every rank fills N doubles and N floats from its rank, all-reduces them, then
//                            broadcasts the last rank's vector; prints one line per rank with what it holds.
// mpiprobe gradient B      : a policy-gradient loss on one seeded batch of B samples, the same on every rank: each rank
//                            takes its 1/size share, all-reduces the gradient (DataParallel), and compares it with the
//                            whole batch's gradient in one process; prints the largest difference per rank.
// mpiprobe errors          : a broadcast from a rank that does not exist, and a barrier after Shutdown.
// mpiprobe allreduce N R   : times R in-place all-reduces of N floats after one warm-up; rank 0 prints the times.
// Without mpirun it runs as the single-rank world, where the collectives leave the buffers as they are.
var inv = CultureInfo.InvariantCulture;
using var world = MpiWorld.Init();
switch (args.Length > 0 ? args[0] : "")
{
    case "collectives":
    {
        int n = int.Parse(args[1], inv);
        var d = new double[n];
        var f = new float[n];
        for (int i = 0; i < n; i++) { d[i] = Contribution(world.Rank, i); f[i] = (float)Contribution(world.Rank, i); }
        world.AllReduceSum(d);
        world.AllReduceSum(f);
        int root = world.Size - 1;
        var bd = new double[n];
        var bf = new float[n];
        for (int i = 0; i < n; i++) { bd[i] = world.Rank == root ? 0.5 * i - 3 : double.NaN; bf[i] = world.Rank == root ? 0.25f * i + 1 : float.NaN; }
        world.Broadcast(bd, root);
        world.Broadcast(bf, root);
        world.Barrier();
        Console.WriteLine(string.Create(inv, $"rank={world.Rank} size={world.Size} distributed={world.IsDistributed} " +
            $"sumd={string.Join(',', d.Select(x => x.ToString("R", inv)))} sumf={string.Join(',', f.Select(x => x.ToString("R", inv)))} " +
            $"bcastd={string.Join(',', bd.Select(x => x.ToString("R", inv)))} bcastf={string.Join(',', bf.Select(x => x.ToString("R", inv)))}"));
        break;
    }
    case "allreduce":
    {
        int n = int.Parse(args[1], inv), repeats = int.Parse(args[2], inv);
        var buffer = new float[n];
        for (int i = 0; i < n; i++) buffer[i] = world.Rank + i * 1e-6f;
        world.AllReduceSum(buffer);
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            world.Barrier();
            var sw = Stopwatch.StartNew();
            world.AllReduceSum(buffer);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        if (world.IsRoot)
            Console.WriteLine(string.Create(inv, $"allreduce floats={n} ranks={world.Size} ms={string.Join(',', times.Select(t => t.ToString("F3", inv)))} median={times.Order().ElementAt(times.Count / 2):F3}"));
        break;
    }
    case "gradient":
    {
        Robotics.Training.Devices.TorchRuntime.Initialize(Robotics.Training.Devices.ComputeDevice.Cpu);
        int b = int.Parse(args[1], inv);
        using var parallel = new DataParallel(world, TimeSpan.FromSeconds(30));
        torch.manual_seed(7);
        using var actor = new GaussianActor(5, 2, new NetworkConfig { Hidden = [16, 8] });
        using var gen = new torch.Generator(11);
        var obs = torch.randn([b, 5], generator: gen);   // [B, obsDim]
        var act = torch.randn([b, 2], generator: gen);   // [B, actionDim]
        var adv = torch.randn([b], generator: gen);      // [B]
        var parameters = FlatParameters.Trainable(actor);
        torch.Tensor Gradient(long from, long to, DataParallel p)
        {
            var idx = torch.arange(from, to, dtype: torch.ScalarType.Int64);
            actor.zero_grad();
            var mean = actor.forward(obs.index_select(0, idx));
            var loss = -(GaussianActor.LogProb(act.index_select(0, idx), mean, actor.Std(mean)) * adv.index_select(0, idx)).mean();
            loss.backward();
            p.AverageGradients(parameters);
            return torch.cat(parameters.Select(q => q.grad!.reshape(-1).clone()).ToArray(), 0);
        }
        var whole = Gradient(0, b, DataParallel.Single);
        long share = b / world.Size;
        var split = Gradient(world.Rank * share, (world.Rank + 1) * share, parallel);
        double diff = (whole - split).abs().max().item<float>(), norm = whole.norm().item<float>();
        Console.WriteLine(string.Create(inv, $"rank={world.Rank} size={world.Size} params={whole.numel()} maxdiff={diff:R} norm={norm:R}"));
        break;
    }
    case "errors":
    {
        // Misuse is refused before it reaches MPI, with a UserError naming the call.
        var buffer = new double[1];
        try { world.Broadcast(buffer, world.Size); } catch (Robotics.UserError e) { Console.WriteLine($"rank={world.Rank} error={e.Message}"); }
        world.Shutdown();
        try { world.Barrier(); } catch (Robotics.UserError e) { Console.WriteLine($"rank={world.Rank} error={e.Message}"); }
        break;
    }
    default:
        Console.Error.WriteLine("usage: mpiprobe collectives N | mpiprobe allreduce N REPEATS | mpiprobe gradient B | mpiprobe errors");
        return 2;
}
return 0;

// Integers and halves: exactly representable in float and double, so their sums over ranks are exact.
static double Contribution(int rank, int i) => (rank + 1) * 100 + i + 0.5 * rank;
