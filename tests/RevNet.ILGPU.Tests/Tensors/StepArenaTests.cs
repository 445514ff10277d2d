using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Tensors;

/// <summary>
/// The planned step arena: after one recorded step a training step allocates nothing, holds little more than it uses,
/// and a step that differs from the plan (another shape, a tensor kept past the step) never shares memory with
/// a live tensor: the results are bit-identical to runs without a plan.
/// </summary>
public sealed class StepArenaTests(ITestOutputHelper output)
{
    private static readonly ModelSpec Tiny = new("tiny-revnet", true, false, [1, 1, 1], [4, 8, 8], 4);
    private static readonly ModelSpec TinyResNet = new("tiny-resnet", false, false, [1, 1, 1], [4, 8, 8], 4);
    private static readonly ModelOptions Options = new() { InputChannels = 3, ImageSize = 8, Classes = 5, Seed = 3 };

    public static TheoryData<DeviceKind, string, ActivationMode, string> Cases => new()
    {
        { DeviceKind.Host, "revnet", ActivationMode.Reconstruct, "sgd" },
        { DeviceKind.Host, "revnet", ActivationMode.Store, "adam" },
        { DeviceKind.Host, "resnet", ActivationMode.Store, "sgd" },
        { DeviceKind.IlgpuCpu, "revnet", ActivationMode.Reconstruct, "adam" },
    };

    [Fact]
    public void Build_BlocksAliveTogetherNeverShareBytes_DisjointLifetimesDo()
    {
        // a [0,3), b [1,2), c [4,6) after both: c reuses a's bytes; b sits beside a.
        StepPlan plan = StepPlan.Build(
        [
            new StepRecord(100, 0, 3),
            new StepRecord(40, 1, 2),
            new StepRecord(90, 4, 6),
            new StepRecord(7, 5, -1), // outlives the step: not planned
        ])!;

        plan.Count.Should().Be(3);
        plan.Lengths.Should().Equal(100, 40, 90);
        long a = StepPlan.Align(100);
        plan.Offsets[0].Should().Be(0);
        plan.Offsets[1].Should().Be(a);
        plan.Offsets[2].Should().Be(0, "c lives after a and b and fits a's place");
        plan.ArenaLength.Should().Be(a + StepPlan.Align(40));
        plan.Offsets.Should().OnlyContain(o => o % MemoryChunk.AlignFloats == 0);
    }

    [Fact]
    public void Build_RandomLifetimes_NoTwoOverlappingBlocksOverlapInMemory()
    {
        var rng = new Random(5);
        var records = new List<StepRecord>();
        for (int i = 0; i < 300; i++)
        {
            long start = rng.Next(1000);
            records.Add(new StepRecord(1 + rng.Next(5000), start, start + 1 + rng.Next(200)));
        }

        StepPlan plan = StepPlan.Build(records)!;
        long peakLive = Enumerable.Range(0, 1200)
            .Max(t => records.Where(r => r.Start <= t && t < r.End).Sum(r => StepPlan.Align(r.Length)));
        for (int i = 0; i < records.Count; i++)
        {
            for (int j = i + 1; j < records.Count; j++)
            {
                bool together = records[i].Start < records[j].End && records[j].Start < records[i].End;
                bool shared = plan.Offsets[i] < plan.Offsets[j] + StepPlan.Align(records[j].Length)
                    && plan.Offsets[j] < plan.Offsets[i] + StepPlan.Align(records[i].Length);
                (together && shared).Should().BeFalse($"blocks {i} and {j} are alive together");
            }
        }

        output.WriteLine($"arena {plan.ArenaLength} floats, live peak {peakLive} ({(double)plan.ArenaLength / peakLive:F3}x)");
        plan.ArenaLength.Should().BeGreaterThanOrEqualTo(peakLive);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Steps_AfterTheFirst_AllocateNothing_AndHoldLittleOverLive(
        DeviceKind kind, string net, ActivationMode mode, string optimizerName)
    {
        using ComputeDevice device = ComputeDevice.Create(kind);
        using Model model = ModelZoo.Create(net == "revnet" ? Tiny : TinyResNet, device, Options);
        model.Mode = mode;
        using Optimizer optimizer = optimizerName == "sgd" ? new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-4f) : new Adam(1e-3f);
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, optimizer);
        using Tensor x = Batch(device, 6, 1);
        int[] labels = [0, 1, 2, 3, 4, 0];
        BufferPool pool = device.Pool;

        step.Run(x, labels);
        long allocations = pool.AllocationCount;
        pool.ResetPeaks();
        for (int i = 0; i < 3; i++)
        {
            step.Run(x, labels);
            pool.OffPlanRents.Should().Be(0);
        }

        long planned = pool.PeakAllocatedBytes - pool.WorkerScratchBytes;
        output.WriteLine($"{kind} {net} {mode} {optimizerName}: live peak {pool.PeakInUseBytes}, reserved peak "
            + $"{pool.PeakAllocatedBytes} of which worker scratch {pool.WorkerScratchBytes}; without it "
            + $"{(double)planned / pool.PeakInUseBytes:F3}x live; arena {pool.ArenaBytes}");
        pool.AllocationCount.Should().Be(allocations, "the second and later steps replay the plan");
        pool.PlanCount.Should().Be(1);

        // Host GEMM workers' scratch is cached beside the plan, one block per hardware thread (how many workers join an
        // op varies); on 8x8 images it is a large share of the step, at CIFAR shapes a small one (docs/BENCHMARKS.md).
        planned.Should().BeLessThanOrEqualTo((long)(pool.PeakInUseBytes * 1.10));
    }

    [Fact]
    public void ShapesChangingBetweenSteps_GiveTheBitsOfRunsWithoutAPlan()
    {
        int[] batches = [4, 4, 6, 4, 6, 6, 3, 4];
        float[] planned = Train(batches, trimEveryStep: false, out BufferPool pool);
        pool.PlanCount.Should().BeGreaterThan(1, "each new shape is planned again");
        float[] unplanned = Train(batches, trimEveryStep: true, out _);
        planned.Should().Equal(unplanned);
    }

    [Fact]
    public void TensorKeptPastTheStep_IsNotOverwrittenByTheNextStep()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Tiny, device, Options);
        using var sgd = new Sgd(0.05f, momentum: 0.9f);
        var keep = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd) { KeepInputGradient = true };
        using Tensor x = Batch(device, 4, 2);
        int[] labels = [1, 2, 3, 4];
        keep.Run(x, labels).InputGradient!.Dispose();
        keep.Run(x, labels).InputGradient!.Dispose(); // planned now: the kept gradient comes from the arena or the cache

        using Tensor kept = keep.Run(x, labels).InputGradient!;
        float[] before = kept.ToArray();
        var plain = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd);
        for (int i = 0; i < 3; i++)
        {
            plain.Run(x, labels);
        }

        kept.ToArray().Should().Equal(before);
    }

    [Fact]
    public void Trim_GivesTheArenaBack_AndTheNextStepPlansAgain()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Tiny, device, Options);
        using var sgd = new Sgd(0.05f);
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd);
        using (Tensor x = Batch(device, 4, 3))
        {
            step.Run(x, [0, 1, 2, 3]);
            device.Pool.ArenaBytes.Should().BePositive();
        }

        device.Pool.Trim();
        device.Pool.ArenaBytes.Should().Be(0);
        device.Pool.AllocatedBytes.Should().Be(device.Pool.InUseBytes, "only the model's own tensors stay");
        using (Tensor x = Batch(device, 4, 3))
        {
            step.Run(x, [0, 1, 2, 3]);
        }

        device.Pool.PlanCount.Should().Be(2);
    }

    private static float[] Train(int[] batches, bool trimEveryStep, out BufferPool pool)
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        pool = device.Pool;
        using Model model = ModelZoo.Create(Tiny, device, Options);
        model.Mode = ActivationMode.Reconstruct;
        using var sgd = new Sgd(0.05f, momentum: 0.9f);
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd);
        var losses = new List<float>();
        for (int i = 0; i < batches.Length; i++)
        {
            if (trimEveryStep)
            {
                device.Pool.Trim();
            }

            using Tensor x = Batch(device, batches[i], i);
            losses.Add(step.Run(x, [.. Enumerable.Range(0, batches[i]).Select(j => (i + j) % 5)]).Loss);
        }

        return [.. losses, .. model.Parameters.SelectMany(p => p.Value.ToArray())];
    }

    private static Tensor Batch(ComputeDevice device, int n, int seed)
    {
        Tensor x = device.Pool.Rent(new Shape(n, 3, 8, 8), MemoryCategory.Workspace);
        var rng = new Random(seed);
        x.CopyFrom([.. Enumerable.Range(0, (int)x.ElementCount).Select(_ => (float)((rng.NextDouble() * 2) - 1))]);
        return x;
    }
}
