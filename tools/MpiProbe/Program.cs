using System.Diagnostics;
using System.Globalization;
using Robotics.Training.Distributed;

// mpiprobe collectives N   : every rank fills N doubles and N floats from its rank, all-reduces them, then
//                            broadcasts the last rank's vector; prints one line per rank with what it holds.
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
        Console.Error.WriteLine("usage: mpiprobe collectives N | mpiprobe allreduce N REPEATS | mpiprobe errors");
        return 2;
}
return 0;

// Integers and halves: exactly representable in float and double, so their sums over ranks are exact.
static double Contribution(int rank, int i) => (rank + 1) * 100 + i + 0.5 * rank;
