using System.Diagnostics;
using System.Globalization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Distributed;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Training;

// Modes (all ranks run the same command line):
//   allreduce <dir>                       collectives on known data; each rank writes <dir>/allreduce.<rank>.bin
//   time <floats> <iterations>            rank 0 prints the mean blocking all-reduce time
//   train <dir> <batch> <steps> <overlap> <bucketBytes> <images> [none|replica|sync]
//                                         data-parallel training of a reversible conv net (in Reconstruct mode), BN-free
//                                         (none, the default) or with batch norms (per replica, or synchronised); each
//                                         rank writes <dir>/params.<rank>.bin (parameters, then buffers) and rank 0
//                                         prints losses, timings and the batch-norm all-reduce counts
// Fault injection: REVNET_FAIL_AT="rank:step" makes that rank throw after that step; REVNET_HANG_AT="rank:step" makes
// it sleep forever there (the others then wait in a collective until Communicator.CollectiveTimeout).
using Communicator comm = Communicator.World;
string mode = args[0];
var inv = CultureInfo.InvariantCulture;
switch (mode)
{
    case "allreduce":
        AllReduce(comm, args[1]);
        break;
    case "time":
        Time(comm, int.Parse(args[1], inv), int.Parse(args[2], inv));
        break;
    case "train":
        Train(comm, args[1], int.Parse(args[2], inv), int.Parse(args[3], inv), args[4] == "1", int.Parse(args[5], inv), int.Parse(args[6], inv), args.Length > 7 ? args[7] : "none");
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}

return 0;

static void AllReduce(Communicator comm, string dir)
{
    const int n = 1003;
    float[] a = Values(comm.Rank, n);
    float[] b = Values(comm.Rank, n);
    float[] c = Values(comm.Rank, n);
    double[] d = Array.ConvertAll(Values(comm.Rank, n), v => (double)v);
    comm.AllReduceSum(a.AsSpan());
    CommunicationRequest r = comm.IAllReduceSum(b);
    int polls = 0;
    while (!r.Test())
    {
        polls++;
    }

    r.Wait();
    comm.Broadcast(c.AsSpan(), root: comm.Size - 1);
    comm.AllReduceSum(d.AsSpan());
    comm.Barrier();
    using var w = new BinaryWriter(File.Create(Path.Combine(dir, $"allreduce.{comm.Rank}.bin")));
    w.Write(comm.Size);
    foreach (float[] x in new[] { a, b, c })
    {
        foreach (float v in x)
        {
            w.Write(v);
        }
    }

    foreach (double v in d)
    {
        w.Write(v);
    }
}

static float[] Values(int rank, int n)
{
    float[] v = new float[n];
    for (int i = 0; i < n; i++)
    {
        v[i] = (float)(Math.Sin((i * 0.37) + (rank * 1.3)) * (1 + (i % 7)));
    }

    return v;
}

static void Time(Communicator comm, int floats, int iterations)
{
    float[] x = new float[floats];
    comm.AllReduceSum(x.AsSpan());
    comm.Barrier();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++)
    {
        comm.AllReduceSum(x.AsSpan());
    }

    double ms = watch.Elapsed.TotalMilliseconds / iterations;
    if (comm.IsRoot)
    {
        Console.WriteLine(FormattableString.Invariant($"allreduce floats={floats} np={comm.Size} ms={ms:F3}"));
    }
}

static void Train(Communicator comm, string dir, int batch, int steps, bool overlap, int bucketBytes, int images, string norm)
{
    using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
    const int c = 3, h = 8, wd = 8;
    float[] pixels = new float[images * c * h * wd];
    var rng = new DeterministicRandom(42);
    for (int i = 0; i < pixels.Length; i++)
    {
        pixels[i] = (rng.NextSingle() * 2) - 1;
    }

    int[] labels = new int[images];
    for (int i = 0; i < images; i++)
    {
        labels[i] = (int)(rng.NextSingle() * 10) % 10;
    }

    var data = new Dataset(pixels, labels, c, h, wd, 10);

    // Different initial weights per rank: the broadcast must make every replica rank 0's.
    int seed = 1 + (comm.Rank * 1000);
    bool bn = norm != "none";
    var model = new Sequential(
        new Conv2d(device, c, 8, 3, seed: seed, name: "stem"),
        bn ? new BatchNorm2d(device, 8, relu: true, name: "stem.bn") : new Relu(),
        Block(device, seed + 10, "b1", bn),
        Block(device, seed + 20, "b2", bn),
        Block(device, seed + 30, "b3", bn),
        new GlobalAvgPool(),
        new Linear(device, 8, 10, seed: seed + 40, name: "head"))
    {
        Mode = ActivationMode.Reconstruct,
    };
    using var dp = new DataParallel(comm, model, new DataParallelOptions { Overlap = overlap, BucketBytes = bucketBytes, SyncBatchNorm = norm == "sync" });
    var loader = new BatchLoader(data, batch, new BatchLoaderOptions { Seed = 7, Prefetch = false });
    var trainer = new Trainer(device, model, new Sgd(0.05f, 0.9f), new TrainerOptions
    {
        Epochs = 1000,
        MaxSteps = steps,
        GradientReducer = dp,
    });
    var losses = new List<float>();
    // REVNET_FAIL_AT="rank:step" makes that rank alone throw after that step (the others are then in a collective).
    bool fail = InjectedAt("REVNET_FAIL_AT", comm.Rank, out int failStep);
    bool hang = InjectedAt("REVNET_HANG_AT", comm.Rank, out int hangStep);
    trainer.Progress += (_, p) =>
    {
        if (p.Kind == ProgressKind.Step)
        {
            losses.Add(p.Loss);
            if (fail && p.GlobalStep == failStep)
            {
                throw new InvalidOperationException($"injected failure on rank {comm.Rank} after step {p.GlobalStep}");
            }

            if (hang && p.GlobalStep == hangStep)
            {
                Console.Error.WriteLine($"rank {comm.Rank}: injected hang after step {p.GlobalStep}");
                Thread.Sleep(Timeout.Infinite);
            }
        }
    };
    var watch = Stopwatch.StartNew();
    trainer.Fit(loader);
    double ms = watch.Elapsed.TotalMilliseconds / Math.Max(1, steps);
    dp.MeasureBlockingAllReduce();
    using (var w = new BinaryWriter(File.Create(Path.Combine(dir, $"params.{comm.Rank}.bin"))))
    {
        foreach (Parameter p in model.Parameters.Concat(model.Buffers))
        {
            foreach (float v in p.Value.ToArray())
            {
                w.Write(v);
            }
        }
    }

    if (comm.IsRoot)
    {
        Console.WriteLine("losses " + string.Join(' ', losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture))));
        Console.WriteLine(FormattableString.Invariant($"np={comm.Size} step_ms={ms:F2} buckets={dp.BucketCount} {dp.Statistics}"));
        int layers = model.Descendants().OfType<BatchNorm2d>().Count();
        Console.WriteLine(FormattableString.Invariant(
            $"bn layers={layers} statistics_reductions={dp.BatchNormSynchronizer?.StatisticsReductions ?? 0} gradient_reductions={dp.BatchNormSynchronizer?.GradientReductions ?? 0}"));
    }
}

// "rank:step" in the variable names this rank: true and the step.
static bool InjectedAt(string variable, int rank, out int step)
{
    string[] parts = (Environment.GetEnvironmentVariable(variable) ?? "-1:-1").Split(':');
    step = int.Parse(parts[1], CultureInfo.InvariantCulture);
    return rank == int.Parse(parts[0], CultureInfo.InvariantCulture);
}

static ReversibleBlock Block(ComputeDevice device, int seed, string name, bool bn) =>
    new(Branch(device, seed, name + ".f", bn), Branch(device, seed + 1, name + ".g", bn), name);

// BN-free: conv, ReLU. With batch norm: BN+ReLU, conv (the RevNet order).
static Sequential Branch(ComputeDevice device, int seed, string name, bool bn) =>
    bn
        ? new Sequential(new BatchNorm2d(device, 4, relu: true, name: name + ".bn"), new Conv2d(device, 4, 4, 3, seed: seed, name: name))
        : new Sequential(new Conv2d(device, 4, 4, 3, seed: seed, name: name), new Relu());
