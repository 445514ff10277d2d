using RevNet.Examples.CustomLayers;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Examples;

/// <summary>
/// The examples project's user layer (a conv + library BatchNorm2d written against the public API) used as G: in
/// Reconstruct mode it gets the saving the library's own layers get, with Store's bits.
/// </summary>
public sealed class CustomLayerExampleTests(ITestOutputHelper output)
{
    private const int Batch = 4;
    private const int Size = 8;

    [Fact]
    public void Reconstruct_UserLayerAsG_GradientsAndRunningStatisticsEqualStoreBitForBit()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential store = CustomRevNet.Build(device, blocks: 3);
        using Sequential reconstruct = CustomRevNet.Build(device, blocks: 3);
        store.Mode = ActivationMode.Store;
        reconstruct.Mode = ActivationMode.Reconstruct;
        using Tensor x = device.RandomTensor(11, Batch, 1, Size, Size);
        int[] labels = [1, 7, 3, 3];
        using var sgdS = new Sgd(0.05f, momentum: 0.9f);
        using var sgdR = new Sgd(0.05f, momentum: 0.9f);
        var stepS = new TrainingStep(store, SoftmaxCrossEntropyLoss.Instance, sgdS);
        var stepR = new TrainingStep(reconstruct, SoftmaxCrossEntropyLoss.Instance, sgdR);

        for (int step = 0; step < 2; step++)
        {
            stepS.Compute(x, labels);
            stepR.Compute(x, labels);
            for (int p = 0; p < store.Parameters.Count; p++)
            {
                TensorAssert.BitIdentical(
                    reconstruct.Parameters[p].Gradient!.ToArray(), store.Parameters[p].Gradient!.ToArray(),
                    $"step {step}: {store.Parameters[p].Name}.grad");
            }

            stepS.Update();
            stepR.Update();
        }

        for (int b = 0; b < store.Buffers.Count; b++)
        {
            TensorAssert.BitIdentical(reconstruct.Buffers[b].Value.ToArray(), store.Buffers[b].Value.ToArray(), store.Buffers[b].Name);
        }

        foreach (ConvBatchNorm g in reconstruct.Descendants().OfType<ConvBatchNorm>())
        {
            g.BatchNorm.RunningUpdates.Should().Be(2, $"{g.Name}'s statistics are updated once per step, not again in the recompute");
        }
    }

    [Fact]
    public void Reconstruct_ActivationPeak_FlatInDepthAndUnchangedByNesting()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        var peaks = new Dictionary<int, long>();
        foreach (int blocks in new[] { 4, 16, 32 })
        {
            peaks[blocks] = Peak(device, blocks, nested: false);
            long nested = Peak(device, blocks, nested: true);
            output.WriteLine($"{blocks} blocks: flat {peaks[blocks]} B, nested {nested} B");
            nested.Should().Be(peaks[blocks], "nesting Sequentials does not change the plan");
        }

        long store16 = Peak(device, 16, nested: false, ActivationMode.Store);
        output.WriteLine($"store, 16 blocks: {store16} B");
        double spread = (double)peaks.Values.Max() / peaks.Values.Min();
        spread.Should().BeLessThan(1.10, "the activation peak stays flat from 4 to 32 blocks");
        store16.Should().BeGreaterThan(4 * peaks[16], "Store keeps every block's activations");
    }

    private static long Peak(ComputeDevice device, int blocks, bool nested, ActivationMode mode = ActivationMode.Reconstruct)
    {
        using Sequential net = CustomRevNet.Build(device, blocks, nested: nested);
        net.Mode = mode;
        using Tensor x = device.RandomTensor(3, Batch, 1, Size, Size);
        var step = new TrainingStep(net, SoftmaxCrossEntropyLoss.Instance, null);
        step.Compute(x, [0, 1, 2, 3]);
        device.Pool.ResetPeaks();
        long before = device.Pool.CurrentBytes(MemoryCategory.Activations);
        step.Compute(x, [0, 1, 2, 3]);
        return device.Pool.PeakBytes(MemoryCategory.Activations) - before;
    }
}
