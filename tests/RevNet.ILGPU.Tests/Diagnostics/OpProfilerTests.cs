using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Diagnostics;

/// <summary>The opt-in per-op profile: what it records for a step, and that it changes nothing.</summary>
public sealed class OpProfilerTests
{
    private static readonly int[] Labels = [0, 2];

    [Fact]
    public void Step_RecordsEveryOpItUses_WithCallsMatchingTheModel()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = TinyConvNet(device);
        using Tensor input = device.RandomTensor(3, 2, 3, 6, 6);
        using var sgd = new Sgd(0.1f, momentum: 0.9f);
        var step = new TrainingStep(net, SoftmaxCrossEntropyLoss.Instance, sgd);
        var profiler = new OpProfiler();

        long start = Stopwatch.GetTimestamp();
        profiler.Run(device, net, () => step.Run(input, Labels));
        TimeSpan wall = Stopwatch.GetElapsedTime(start);

        Dictionary<string, OpProfileEntry> ops = profiler.Ops.ToDictionary(e => e.Op);
        ops[nameof(TensorOps.Conv2dForward)].Calls.Should().Be(2, "two convolutions, Store mode");
        ops[nameof(TensorOps.Conv2dBackwardWeight)].Calls.Should().Be(2);
        ops[nameof(TensorOps.Conv2dBackwardInput)].Calls.Should().Be(2);
        ops[nameof(TensorOps.BatchNormStatistics)].Calls.Should().Be(2);
        ops[nameof(TensorOps.BatchNormApply)].Calls.Should().Be(3, "two forwards and the ReLU mask of the fused BN's backward");
        ops[nameof(TensorOps.ReluBackward)].Calls.Should().Be(1);
        ops[nameof(TensorOps.BatchNormBackward)].Calls.Should().Be(2);
        ops[nameof(TensorOps.GlobalAvgPoolForward)].Calls.Should().Be(1);
        ops[nameof(TensorOps.GlobalAvgPoolBackward)].Calls.Should().Be(1);
        ops[nameof(TensorOps.LinearForward)].Calls.Should().Be(1);
        ops[nameof(TensorOps.LinearBackward)].Calls.Should().Be(1);
        ops[nameof(TensorOps.SoftmaxCrossEntropy)].Calls.Should().Be(1);
        ops[nameof(TensorOps.SgdStep)].Calls.Should().Be(net.Parameters.Count);
        ops.Values.Should().OnlyContain(e => e.Time >= TimeSpan.Zero && e.Bytes > 0);
        profiler.OpTime.Should().BeLessThanOrEqualTo(profiler.StepTime);
        profiler.StepTime.Should().BeLessThanOrEqualTo(wall);

        IReadOnlyList<LayerProfileEntry> forward = [.. profiler.Layers.Where(l => !l.Backward)];
        forward.Select(l => l.Index).Should().Equal(0, 1, 2, 3, 4, 5);
        forward.Select(l => l.Layer).Should().Equal(
            nameof(Conv2d), nameof(BatchNorm2d), nameof(Conv2d), nameof(BatchNorm2d), nameof(GlobalAvgPool), nameof(Linear));
        profiler.Layers.Count(l => l.Backward).Should().Be(6);
        profiler.Layers.Should().OnlyContain(l => l.Calls == 1 && l.Time >= TimeSpan.Zero);
        profiler.Layers.Aggregate(TimeSpan.Zero, (t, l) => t + l.Time).Should().BeLessThanOrEqualTo(profiler.OpTime);
        device.Profiler.Should().BeNull("Run detaches");
        net.Observers.Should().BeEmpty();
    }

    [Fact]
    public void Conv2dForward_Bytes_AreInputWeightAndOutputSizes()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Tensor x = device.RandomTensor(1, 2, 3, 5, 5);
        using Tensor w = device.RandomTensor(2, 4, 3, 3, 3);
        Conv2dGeometry g = TensorOps.ConvGeometry(x.Shape, w.Shape, 1, 1);
        using Tensor y = device.Pool.Rent(new Shape(2, 4, 5, 5), MemoryCategory.Workspace);
        using Tensor wide = device.Pool.Rent(new Shape(2, 6, 5, 5), MemoryCategory.Workspace);
        var profiler = new OpProfiler();

        using (profiler.Attach(device))
        {
            TensorOps.Conv2dForward(x, w, y, g);
            TensorOps.CopyChannels(y, 1, wide, 0, 3);
        }

        Dictionary<string, OpProfileEntry> ops = profiler.Ops.ToDictionary(e => e.Op);
        ops.Keys.Should().BeEquivalentTo([nameof(TensorOps.Conv2dForward), nameof(TensorOps.CopyChannels)]);
        ops[nameof(TensorOps.Conv2dForward)].Bytes.Should().Be(((2 * 3 * 5 * 5) + (4 * 3 * 3 * 3) + (2 * 4 * 5 * 5)) * sizeof(float));
        ops[nameof(TensorOps.CopyChannels)].Bytes.Should().Be(2 * (2 * 3 * 5 * 5) * sizeof(float), "three channels read and written");
        ops.Values.Should().OnlyContain(e => e.Calls == 1);
    }

    [Fact]
    public void Detached_RecordsNothing()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = TinyConvNet(device);
        using Tensor input = device.RandomTensor(3, 2, 3, 6, 6);
        using var sgd = new Sgd(0.1f);
        var profiler = new OpProfiler();
        profiler.Attach(device, net).Dispose();
        profiler.Reset();

        new TrainingStep(net, SoftmaxCrossEntropyLoss.Instance, sgd).Run(input, Labels);

        device.Profiler.Should().BeNull();
        profiler.Ops.Should().BeEmpty();
        profiler.Layers.Should().BeEmpty();
        profiler.StepTime.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Profiling_ChangesNoResult_BitForBit()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential plain = TinyConvNet(device);
        using Sequential profiled = TinyConvNet(device);
        using Tensor input = device.RandomTensor(3, 2, 3, 6, 6);
        using var sgdA = new Sgd(0.1f, momentum: 0.9f);
        using var sgdB = new Sgd(0.1f, momentum: 0.9f);
        var stepA = new TrainingStep(plain, SoftmaxCrossEntropyLoss.Instance, sgdA);
        var stepB = new TrainingStep(profiled, SoftmaxCrossEntropyLoss.Instance, sgdB);
        var profiler = new OpProfiler();

        for (int i = 0; i < 3; i++)
        {
            float a = stepA.Run(input, Labels).Loss;
            float b = profiler.Run(device, profiled, () => stepB.Run(input, Labels)).Loss;
            BitConverter.SingleToInt32Bits(b).Should().Be(BitConverter.SingleToInt32Bits(a), $"loss of step {i}");
        }

        for (int p = 0; p < plain.Parameters.Count; p++)
        {
            profiled.Parameters[p].Value.ToArray().Should().Equal(plain.Parameters[p].Value.ToArray(), $"parameter {p}");
        }

        profiler.Ops.First(e => e.Op == nameof(TensorOps.Conv2dForward)).Calls.Should().Be(6);
    }

    [Fact]
    public void Attach_Twice_ThrowsNamingTheFix()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using IDisposable first = new OpProfiler().Attach(device);

        Action act = () => new OpProfiler().Attach(device);

        act.Should().Throw<InvalidOperationException>().WithMessage("*already has a profiler*dispose*");
    }

    [Fact]
    public void Table_ListsOpsSlowestFirstAndTheLayers()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = TinyConvNet(device);
        using Tensor input = device.RandomTensor(3, 2, 3, 6, 6);
        using var sgd = new Sgd(0.1f);
        var step = new TrainingStep(net, SoftmaxCrossEntropyLoss.Instance, sgd);
        var profiler = new OpProfiler();
        profiler.Run(device, net, () => step.Run(input, Labels));

        string[] lines = OpProfileTable.Format(profiler, topLayers: 3).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines[0].Should().StartWith("op").And.Contain("GB/s");
        lines[1].Should().StartWith(profiler.Ops.MaxBy(e => e.Time)!.Op);
        lines.Should().Contain(l => l.StartsWith("step", StringComparison.Ordinal));
        lines.Count(l => l.StartsWith('#')).Should().Be(3);
    }

    private static Sequential TinyConvNet(ComputeDevice device) => new(
        new Conv2d(device, 3, 4, 3, seed: 1),
        new BatchNorm2d(device, 4, relu: true),
        new Conv2d(device, 4, 4, 3, seed: 2),
        new BatchNorm2d(device, 4),
        new GlobalAvgPool(),
        new Linear(device, 4, 3, seed: 3))
    {
        Mode = ActivationMode.Store,
    };
}
