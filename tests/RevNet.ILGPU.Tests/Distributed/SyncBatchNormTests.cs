using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Distributed;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Layers;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Distributed;

/// <summary>
/// Synchronised batch norm without MPI: ranks as threads of this process (an in-process communicator that sums in rank
/// order), against one batch norm over the whole global batch; and the collective count of a reversible step.
/// </summary>
public sealed class SyncBatchNormTests
{
    [Theory]
    [InlineData(false, ForwardMode.Train)]
    [InlineData(true, ForwardMode.Train)]
    [InlineData(true, ForwardMode.TrainNoSave)]
    public void Two_ranks_with_uneven_shards_compute_what_one_batch_norm_computes_on_the_global_batch(bool relu, ForwardMode mode)
    {
        const int c = 3, h = 2, w = 3;
        int[] rows = [2, 3];
        int n = rows.Sum();
        int plane = c * h * w;
        float[] x = TestData.Uniform(1, n * plane, -1f, 3f); // an offset mean: the variance combination is exercised
        float[] dy = TestData.Uniform(2, n * plane);
        float[] gamma = [1.5f, 0.7f, -1.1f];
        float[] beta = [0.2f, -0.3f, 0.1f];

        // Reference: one layer, the whole batch; dy is dL/dy of the global-batch loss.
        using var refDevice = ComputeDevice.Create(DeviceKind.Host);
        using var reference = Layer(refDevice, relu, gamma, beta);
        using Tensor xAll = refDevice.ToTensor(x, n, c, h, w);
        using Tensor yAll = reference.Forward(xAll, ForwardMode.Train);
        using Tensor dyAll = refDevice.ToTensor(dy, n, c, h, w);
        using Tensor dxAll = reference.Backward(dyAll);
        float[] yRef = yAll.ToArray(), dxRef = dxAll.ToArray();

        // Each rank's loss is the mean over its shard, weighted by shard/global (DataParallel's convention): its local
        // dL_r/dy is the global dy divided by its share, and its gradients count times its share.
        var results = new (float[] Y, float[] Dx, float[] DGamma, float[] DBeta, float[] RunningVar, long Stats, long Grads)[rows.Length];
        using var group = new ThreadGroup(rows.Length);
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = rows.Length }, r =>
        {
            int start = rows.Take(r).Sum();
            float share = (float)rows[r] / n;
            using var device = ComputeDevice.Create(DeviceKind.Host);
            using var bn = Layer(device, relu, gamma, beta);
            var sync = new BatchNormSynchronizer(new ThreadCommunicator(group, r));
            bn.Synchronizer = sync;
            using Tensor xr = device.ToTensor(x[(start * plane)..((start + rows[r]) * plane)], rows[r], c, h, w);
            using Tensor dyr = device.ToTensor([.. dy[(start * plane)..((start + rows[r]) * plane)].Select(v => v / share)], rows[r], c, h, w);
            float[] y;
            using (Tensor yr = bn.Forward(xr, mode))
            {
                y = yr.ToArray();
            }

            if (mode == ForwardMode.TrainNoSave)
            {
                bn.Recompute(xr);
            }

            using Tensor dxr = bn.Backward(dyr);
            results[r] = (y, [.. dxr.ToArray().Select(v => v * share)], [.. bn.Gamma.Gradient!.ToArray().Select(v => v * share)],
                [.. bn.Beta.Gradient!.ToArray().Select(v => v * share)], bn.RunningVar.Value.ToArray(), sync.StatisticsReductions, sync.GradientReductions);
        });

        float[] ySync = [.. results.SelectMany(r => r.Y)];
        float[] dxSync = [.. results.SelectMany(r => r.Dx)];
        TensorAssert.Close(ySync, yRef, atol: 1e-5, rtol: 1e-5, what: "y");
        TensorAssert.Close(dxSync, dxRef, atol: 1e-5, rtol: 1e-4, what: "dx");
        float[] dGamma = [.. Enumerable.Range(0, c).Select(ch => results.Sum(r => r.DGamma[ch]))];
        float[] dBeta = [.. Enumerable.Range(0, c).Select(ch => results.Sum(r => r.DBeta[ch]))];
        TensorAssert.Close(dGamma, reference.Gamma.Gradient!.ToArray(), atol: 1e-5, rtol: 1e-4, what: "dgamma");
        TensorAssert.Close(dBeta, reference.Beta.Gradient!.ToArray(), atol: 1e-5, rtol: 1e-4, what: "dbeta");
        foreach (var r in results)
        {
            TensorAssert.Close(r.RunningVar, reference.RunningVar.Value.ToArray(), atol: 1e-6, rtol: 1e-5, what: "running var (global count)");
            r.Stats.Should().Be(1, "one statistics all-reduce per training forward; the recompute reuses them");
            r.Grads.Should().Be(1, "one all-reduce of Σdy, Σdy·x̂ per backward");
        }

        // The data tell the two apart: per-shard statistics give another output.
        using var local = Layer(refDevice, relu, gamma, beta);
        using Tensor x0 = refDevice.ToTensor(x[..(rows[0] * plane)], rows[0], c, h, w);
        using Tensor y0 = local.Forward(x0, ForwardMode.Train);
        LayerTestKit.MaxAbsDiff(y0.ToArray(), yRef[..(rows[0] * plane)]).Should().BeGreaterThan(1e-2);
    }

    [Theory]
    [InlineData(ActivationMode.Reconstruct)]
    [InlineData(ActivationMode.Store)]
    public void A_reversible_step_reduces_once_per_batch_norm_forward_and_once_backward_never_in_the_recompute(ActivationMode activations)
    {
        float[][] plain = Step(activations, sync: false, out _, out _);
        float[][] synced = Step(activations, sync: true, out long stats, out long grads);
        synced.Length.Should().Be(plain.Length);
        for (int i = 0; i < plain.Length; i++)
        {
            // A twin rank with the same shard: the global statistics and sums are this rank's.
            LayerTestKit.MaxAbsDiff(synced[i], plain[i]).Should().BeLessThanOrEqualTo(1e-5 * Math.Max(1, LayerTestKit.MaxAbs(plain[i])));
        }

        stats.Should().Be(grads);
        stats.Should().BeGreaterThan(0);
    }

    private static float[][] Step(ActivationMode activations, bool sync, out long stats, out long grads)
    {
        using var device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create("revnet-small", device, new ModelOptions { InputChannels = 1, ImageSize = 8, Classes = 3, Seed = 4 });
        model.Mode = activations;
        var twin = new TwinCommunicator();
        var synchronizer = new BatchNormSynchronizer(twin);
        int layers = BatchNormSynchronizer.Attach(model, sync ? synchronizer : null);
        layers.Should().Be(model.Buffers.Count / 2, "every batch norm (two buffers each) gets the synchronizer");
        using Tensor x = device.RandomTensor(5, 4, 1, 8, 8);
        using var sgd = new Sgd(0.1f);
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd);
        StepResult r = step.Compute(x, [0, 1, 2, 1]);
        r.IsFinite.Should().BeTrue();
        stats = synchronizer.StatisticsReductions;
        grads = synchronizer.GradientReductions;
        if (sync)
        {
            stats.Should().Be(layers, "one statistics all-reduce per batch norm in the training forward, none in the recompute");
            grads.Should().Be(layers, "one all-reduce per batch norm in the backward");
            twin.Reductions.Should().Be(2 * layers);
        }

        return LayerTestKit.Gradients(model);
    }

    private static BatchNorm2d Layer(ComputeDevice device, bool relu, float[] gamma, float[] beta)
    {
        var bn = new BatchNorm2d(device, gamma.Length, relu, name: "bn");
        bn.Gamma.Value.CopyFrom(gamma);
        bn.Beta.Value.CopyFrom(beta);
        return bn;
    }

    /// <summary>What the ranks of <see cref="ThreadCommunicator"/> share.</summary>
    private sealed class ThreadGroup(int size) : IDisposable
    {
        public Barrier Barrier { get; } = new(size);

        public double[][] Slots { get; } = new double[size][];

        public int Size => size;

        public void Dispose() => Barrier.Dispose();

        public void Wait()
        {
            if (!Barrier.SignalAndWait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("a rank thread did not reach the collective");
            }
        }
    }

    /// <summary>One rank of an in-process group: sums doubles in rank order (as MPI does for a fixed size).</summary>
    private sealed class ThreadCommunicator(ThreadGroup group, int rank) : StubCommunicator(rank, group.Size)
    {
        public override void AllReduceSum(Span<double> values)
        {
            group.Slots[Rank] = values.ToArray();
            group.Wait();
            for (int i = 0; i < values.Length; i++)
            {
                double sum = 0;
                for (int r = 0; r < group.Size; r++)
                {
                    sum += group.Slots[r][i];
                }

                values[i] = sum;
            }

            group.Wait();
        }
    }

    /// <summary>Two ranks where the other holds the same data as this one: a sum is twice the value; counts calls.</summary>
    private sealed class TwinCommunicator() : StubCommunicator(0, 2)
    {
        public long Reductions { get; private set; }

        public override void AllReduceSum(Span<double> values)
        {
            Reductions++;
            foreach (ref double v in values)
            {
                v *= 2;
            }
        }
    }
}
