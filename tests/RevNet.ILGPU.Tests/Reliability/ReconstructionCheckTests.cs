using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Reliability;

/// <summary>
/// Opt-in checks of rebuilt activations in Reconstruct mode: a NaN stops backward naming the block, drift past the
/// threshold raises a warning, a clean run raises none, and with the checks off nothing is read back.
/// </summary>
public sealed class ReconstructionCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void Backward_NaNWeightBetweenForwardAndBackward_ThrowsNamingTheBlock()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using (Sequential net = Stack(device))
        {
            net.Observers.Add(new ReconstructionMonitor());
            using Tensor x = device.RandomTensor(5, 2, 4, 4, 4);
            using Tensor y = net.Forward(x, ForwardMode.Train);
            Poison(((ReversibleBlock)net.Layers[1]).G, float.NaN);
            using Tensor dy = device.RandomTensor(6, 2, 4, 4, 4);

            Action act = () => net.Backward(dy).Dispose();

            NonFiniteActivationException ex = act.Should().Throw<NonFiniteActivationException>().Which;
            ex.LayerIndex.Should().Be(1);
            ex.LayerName.Should().Be("block1");
            ex.TensorName.Should().Be("rebuilt input");
            float.IsNaN(ex.Value).Should().BeTrue();
            ex.Message.Should().Contain("block1").And.Contain("NaN").And.Contain("rebuilt input");
        }

        device.Pool.RentedCount.Should().Be(0, "the failed backward released what it held");
    }

    [Fact]
    public void Backward_InfiniteWeight_ThrowsWithInfinity()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = Stack(device);
        net.Observers.Add(new ReconstructionMonitor());
        using Tensor x = device.RandomTensor(7, 2, 4, 4, 4);
        using Tensor y = net.Forward(x, ForwardMode.Train);
        Poison(((ReversibleBlock)net.Layers[2]).F, float.PositiveInfinity);
        using Tensor dy = device.RandomTensor(8, 2, 4, 4, 4);

        Action act = () => net.Backward(dy).Dispose();

        act.Should().Throw<NonFiniteActivationException>().Which.LayerName.Should().Be("block2");
    }

    [Fact]
    public void Backward_ChecksOff_NoReadbackAndNoException()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = Stack(device);
        using Tensor x = device.RandomTensor(5, 2, 4, 4, 4);
        using Tensor y = net.Forward(x, ForwardMode.Train);
        Poison(((ReversibleBlock)net.Layers[1]).G, float.NaN);
        using Tensor dy = device.RandomTensor(6, 2, 4, 4, 4);

        using Tensor dx = net.Backward(dy);

        net.Observers.Should().BeEmpty("no monitor attached means nothing is copied back from the device");
        dx.ToArray().Should().Contain(float.NaN, "the fault passes silently without the check");
    }

    [Fact]
    public void Backward_CleanRunWithDriftCheck_NoWarning()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = Stack(device);
        var monitor = new ReconstructionMonitor { DriftThreshold = 1e-6 };
        net.Observers.Add(monitor);
        var warnings = new List<ReconstructionDriftEventArgs>();
        monitor.Drift += (_, e) => warnings.Add(e);
        for (int step = 0; step < 2; step++)
        {
            using Tensor x = device.RandomTensor(10 + step, 2, 4, 4, 4);
            using Tensor y = net.Forward(x, ForwardMode.Train);
            using Tensor dy = device.RandomTensor(20 + step, 2, 4, 4, 4);
            net.Backward(dy).Dispose();
        }

        warnings.Should().BeEmpty();
        monitor.ValuesOutsideExactRange.Should().Be(0, "random inputs in [-1, 1] stay far below 2^9");
        monitor.Readbacks.Should().Be(12, "3 blocks x (1 fingerprint in forward + 1 check in backward) x 2 steps");
    }

    [Fact]
    public void Backward_WeightPerturbedPastThreshold_WarnsNamingTheBlock()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Sequential net = Stack(device);
        var monitor = new ReconstructionMonitor { DriftThreshold = 1e-3 };
        net.Observers.Add(monitor);
        var warnings = new List<ReconstructionDriftEventArgs>();
        monitor.Drift += (_, e) => warnings.Add(e);
        using Tensor x = device.RandomTensor(5, 2, 4, 4, 4);
        using Tensor y = net.Forward(x, ForwardMode.Train);
        Tensor w = ((Conv2d)((ReversibleBlock)net.Layers[1]).F).Weight.Value;
        w.CopyFrom([.. w.ToArray().Select(v => v + 0.25f)]);
        using Tensor dy = device.RandomTensor(6, 2, 4, 4, 4);

        net.Backward(dy).Dispose();

        warnings.ForEach(e => output.WriteLine(e.ToString()));
        warnings.Should().NotBeEmpty();
        ReconstructionDriftEventArgs first = warnings[0];
        first.LayerName.Should().Be("block1", "block2 above it is untouched and rebuilds exactly");
        first.RelativeDrift.Should().BeGreaterThan(1e-3);
        first.Saved.Should().HaveCount(4);
        first.Rebuilt.Should().NotEqual(first.Saved);
        warnings.Should().NotContain(e => e.LayerName == "block2");
        first.ToString().Should().Contain("block1");
    }

    [Fact]
    public void CountOutsideExactRange_CountsMagnitudesFrom512()
    {
        ReconstructionMonitor.CountOutsideExactRange([0f, 511.9f, -512f, 512f, 1e6f, float.NaN]).Should().Be(3);
    }

    private static Sequential Stack(ComputeDevice device) => new(
        Enumerable.Range(0, 3).Select(i => (ILayer)new ReversibleBlock(
            new Conv2d(device, 2, 2, 3, seed: (10 * i) + 1, name: $"b{i}.f"),
            new Conv2d(device, 2, 2, 3, seed: (10 * i) + 2, name: $"b{i}.g"),
            $"block{i}")))
    {
        Mode = ActivationMode.Reconstruct,
    };

    private static void Poison(ILayer layer, float value)
    {
        Tensor w = ((Conv2d)layer).Weight.Value;
        float[] v = w.ToArray();
        v[3] = value;
        w.CopyFrom(v);
    }
}
