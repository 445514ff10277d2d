using System.Globalization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Distributed;
using RevNet.ILGPU.Tests.Training;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Distributed;

/// <summary>Data-parallel training: sharding, single-process equivalence, and np=2 against np=1 under mpirun.</summary>
public sealed class DataParallelTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("revnet-dp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Shards_cover_every_row_of_every_batch_exactly_once_in_rank_order(int size)
    {
        using var device = ComputeDevice.Create(DeviceKind.Host);
        var model = new TinyMlp(device, 4, 3, 2, seed: 1);
        foreach (int global in new[] { 0, 1, 2, 5, 7, 64, 129 })
        {
            int next = 0;
            for (int rank = 0; rank < size; rank++)
            {
                using var dp = new DataParallel(new StubCommunicator(rank, size), model, new DataParallelOptions { BroadcastInitialState = false });
                (int start, int count) = dp.Shard(global);
                start.Should().Be(next, $"rank {rank} of {size} continues where rank {rank - 1} stopped (batch {global})");
                count.Should().BeInRange(global / size, (global / size) + 1);
                next += count;
            }

            next.Should().Be(global, "no row is missed or seen twice");
        }
    }

    [Fact]
    public void Buckets_follow_the_reverse_parameter_order_and_respect_the_size()
    {
        using var device = ComputeDevice.Create(DeviceKind.Host);
        var model = new TinyMlp(device, 8, 16, 4, seed: 1); // fc1.weight 128, fc1.bias 16, fc2.weight 64, fc2.bias 4
        using var small = new DataParallel(new StubCommunicator(0, 2), model, new DataParallelOptions { BucketBytes = 4 * 70, BroadcastInitialState = false });
        small.BucketCount.Should().Be(3, "[fc2.bias, fc2.weight] [fc1.bias] [fc1.weight]");
        using var one = new DataParallel(new StubCommunicator(0, 2), model, new DataParallelOptions { BroadcastInitialState = false });
        one.BucketCount.Should().Be(1);
    }

    [Fact]
    public void Training_through_DataParallel_on_one_process_is_bit_identical_to_plain_training()
    {
        float[] plain = TrainTiny(reducer: false);
        float[] wrapped = TrainTiny(reducer: true);
        wrapped.Should().Equal(plain);
    }

    [SkippableFact]
    public void Two_processes_match_one_process_on_the_same_global_batch_and_reruns_are_bit_identical()
    {
        MpiRun.SkipIfUnavailable();
        string one = Directory.CreateDirectory(Path.Combine(_dir, "np1")).FullName;
        string two = Directory.CreateDirectory(Path.Combine(_dir, "np2")).FullName;
        string again = Directory.CreateDirectory(Path.Combine(_dir, "np2again")).FullName;
        string serial = Directory.CreateDirectory(Path.Combine(_dir, "np2serial")).FullName;
        string[] Args(string dir, string overlap) => ["train", dir, "32", "10", overlap, "256", "320"];

        (int c1, string o1) = MpiRun.RunSingle(MpiRun.WorkerDll, Args(one, "1"));
        c1.Should().Be(0, o1);
        (int c2, string o2) = MpiRun.Run(2, MpiRun.WorkerDll, Args(two, "1"));
        c2.Should().Be(0, o2);
        (int c3, string o3) = MpiRun.Run(2, MpiRun.WorkerDll, Args(again, "1"));
        c3.Should().Be(0, o3);
        (int c4, string o4) = MpiRun.Run(2, MpiRun.WorkerDll, Args(serial, "0"));
        c4.Should().Be(0, o4);

        byte[] rank0 = File.ReadAllBytes(Path.Combine(two, "params.0.bin"));
        File.ReadAllBytes(Path.Combine(two, "params.1.bin")).Should().Equal(rank0, "the replicas stay identical (rank 1 started from other weights: the broadcast)");
        File.ReadAllBytes(Path.Combine(again, "params.0.bin")).Should().Equal(rank0, "a rerun gives the same bits");
        File.ReadAllBytes(Path.Combine(serial, "params.0.bin")).Should().Equal(rank0, "overlapping the all-reduce changes no bit");
        o2.Should().Contain("hidden");

        float[] a = Floats(File.ReadAllBytes(Path.Combine(one, "params.0.bin")));
        float[] b = Floats(rank0);
        float scale = a.Max(MathF.Abs);
        double worst = a.Zip(b, (x, y) => Math.Abs(x - y)).Max() / scale;
        // Measured 1.7e-7 (10 SGD steps, BN-free model): only the summation order of the gradient differs.
        worst.Should().BeLessThan(1e-5, $"np=2 vs np=1 (max |diff| / max |param|); {o2}");
        LossLine(o2).Zip(LossLine(o1), (x, y) => Math.Abs(x - y)).Max().Should().BeLessThan(1e-5f, "the reported loss is the global batch's");
    }

    [SkippableFact]
    public void One_rank_failing_mid_training_stops_every_rank_within_seconds_naming_it()
    {
        MpiRun.SkipIfUnavailable();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (int code, string output) = MpiRun.Run(
            2, MpiRun.WorkerDll, ["train", _dir, "32", "10", "1", "256", "320"], 60,
            new Dictionary<string, string> { ["REVNET_FAIL_AT"] = "1:3" });
        code.Should().NotBe(0, output);
        output.Should().Contain("rank 1: System.InvalidOperationException: injected failure on rank 1 after step 3");
        File.Exists(Path.Combine(_dir, "params.0.bin")).Should().BeFalse("rank 0 was stopped, not left to finish");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "an abort, not a hang");
    }

    [SkippableFact]
    public void Synchronised_batch_norm_on_two_processes_matches_one_process_for_20_steps_and_reruns_are_bit_identical()
    {
        MpiRun.SkipIfUnavailable();
        string[] Args(string name, string norm) =>
            ["train", Directory.CreateDirectory(Path.Combine(_dir, name)).FullName, "32", "20", "1", "256", "320", norm];

        (int c1, string o1) = MpiRun.RunSingle(MpiRun.WorkerDll, Args("np1", "sync"));
        c1.Should().Be(0, o1);
        (int c2, string o2) = MpiRun.Run(2, MpiRun.WorkerDll, Args("np2", "sync"));
        c2.Should().Be(0, o2);
        (int c3, string o3) = MpiRun.Run(2, MpiRun.WorkerDll, Args("np2again", "sync"));
        c3.Should().Be(0, o3);
        (int c4, string o4) = MpiRun.Run(2, MpiRun.WorkerDll, Args("replica", "replica"));
        c4.Should().Be(0, o4);

        byte[] rank0 = File.ReadAllBytes(Path.Combine(_dir, "np2", "params.0.bin"));
        File.ReadAllBytes(Path.Combine(_dir, "np2", "params.1.bin")).Should().Equal(rank0, "the replicas (parameters and running statistics) stay identical");
        File.ReadAllBytes(Path.Combine(_dir, "np2again", "params.0.bin")).Should().Equal(rank0, "a rerun gives the same bits");

        // 7 batch norms, 20 steps, Reconstruct: one statistics all-reduce per layer and step, so none in the recompute.
        o2.Should().Contain("bn layers=7 statistics_reductions=140 gradient_reductions=140");
        float[] one = Floats(File.ReadAllBytes(Path.Combine(_dir, "np1", "params.0.bin")));
        double sync = RelativeDifference(one, Floats(rank0));
        double replica = RelativeDifference(one, Floats(File.ReadAllBytes(Path.Combine(_dir, "replica", "params.0.bin"))));
        output.WriteLine($"np=2 vs np=1 after 20 steps, max |diff| / max |value| over parameters and running statistics: sync {sync:E2}, per replica {replica:E2}");
        sync.Should().BeLessThan(1e-5, o2);
        replica.Should().BeGreaterThan(100 * sync, "per-replica statistics differ from the global batch's");
        LossLine(o2).Zip(LossLine(o1), (x, y) => Math.Abs(x - y)).Max().Should().BeLessThan(1e-5f);
    }

    [SkippableTheory]
    [InlineData("sync")]
    [InlineData("none")]
    public void A_rank_stuck_forever_brings_every_rank_down_after_the_collective_timeout_naming_the_waiting_rank(string norm)
    {
        MpiRun.SkipIfUnavailable();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (int code, string text) = MpiRun.Run(
            2, MpiRun.WorkerDll, ["train", _dir, "32", "10", "1", "256", "320", norm], 60,
            new Dictionary<string, string> { ["REVNET_HANG_AT"] = "1:3", [Communicator.TimeoutVariable] = "3" });
        watch.Stop();
        output.WriteLine($"{norm}: every rank down after {watch.Elapsed.TotalSeconds:F1} s (whole mpirun, collective timeout 3 s)");
        code.Should().NotBe(0, text);
        text.Should().Contain("rank 1: injected hang after step 3");
        text.Should().MatchRegex(@"error: rank 0 of 2: MPI_\w+[^\n]* did not complete within 3 s; another rank is stuck");
        File.Exists(Path.Combine(_dir, "params.0.bin")).Should().BeFalse("rank 0 was stopped, not left to finish");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the timeout, then an abort of every rank, not a hang");
    }

    private static double RelativeDifference(float[] a, float[] b)
    {
        a.Length.Should().Be(b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max() / a.Max(v => Math.Abs((double)v));
    }

    private static float[] TrainTiny(bool reducer)
    {
        using var device = ComputeDevice.Create(DeviceKind.Host);
        var rng = new DeterministicRandom(3);
        float[] pixels = new float[96 * 1 * 2 * 2];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = rng.NextSingle();
        }

        int[] labels = [.. Enumerable.Range(0, 96).Select(i => i % 3)];
        var model = new TinyMlp(device, 4, 8, 3, seed: 5);
        using var dp = new DataParallel(Communicator.Single, model);
        var trainer = new Trainer(device, model, new Sgd(0.1f, 0.9f), new TrainerOptions
        {
            Epochs = 2,
            GradientReducer = reducer ? dp : null,
        });
        trainer.Fit(new BatchLoader(new Dataset(pixels, labels, 1, 2, 2, 3), 16, new BatchLoaderOptions { Seed = 2 }));
        return [.. model.Parameters.SelectMany(p => p.Value.ToArray())];
    }

    private static float[] LossLine(string output) =>
        [.. output.Split('\n').First(l => l.StartsWith("losses ", StringComparison.Ordinal))["losses ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => float.Parse(s, CultureInfo.InvariantCulture))];

    private static float[] Floats(byte[] bytes)
    {
        float[] v = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
        return v;
    }
}
