using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reliability;

/// <summary>API misuse: inverting a graph that cannot be inverted, and tensors that outlive their device.</summary>
public sealed class MisuseTests
{
    [Fact]
    public void Inverse_GraphWithNonInvertibleLayer_ThrowsNamingTheLayer()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var net = new Sequential(
            new ReversibleBlock(new Conv2d(device, 2, 2, 3, seed: 1), new Conv2d(device, 2, 2, 3, seed: 2), "unit0"),
            new Conv2d(device, 4, 8, 3, stride: 2, seed: 3, name: "down"));
        using Tensor x = device.RandomTensor(1, 1, 4, 4, 4);
        using Tensor y = net.Forward(x, training: false);

        Action act = () => net.Inverse(y).Dispose();

        net.IsInvertible.Should().BeFalse();
        NotInvertibleException ex = act.Should().Throw<NotInvertibleException>().Which;
        ex.LayerIndex.Should().Be(1);
        ex.Message.Should().Contain("Layer 1").And.Contain("Conv2d").And.Contain("IReversibleLayer");
        ex.Should().BeAssignableTo<InvalidOperationException>();
    }

    [Fact]
    public void Inverse_AllReversibleGraph_RebuildsTheInput()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var net = new Sequential(
            new ReversibleBlock(new Conv2d(device, 2, 2, 3, seed: 1), new Conv2d(device, 2, 2, 3, seed: 2), "unit0"),
            new ReversibleBlock(new Conv2d(device, 2, 2, 3, seed: 3), new Conv2d(device, 2, 2, 3, seed: 4), "unit1"));
        using Tensor x = device.RandomTensor(2, 2, 4, 4, 4);
        using Tensor y = net.Forward(x, training: false);

        using Tensor back = net.Inverse(y);

        net.IsInvertible.Should().BeTrue();
        float[] expected = x.ToArray();
        float[] actual = back.ToArray();
        expected.Should().Contain(v => MathF.Abs(v) > 0.1f, "an all-zero input would prove nothing");
        for (int i = 0; i < expected.Length; i++)
        {
            actual[i].Should().BeApproximately(expected[i], 1f / 65536f);
        }
    }

    [Fact]
    public void DisposeDevice_WithLiveTensor_IsReportedAndTensorUseThrows()
    {
        ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        Tensor live = device.Pool.Rent(new Shape(2, 3), MemoryCategory.Activations);
        Tensor returned = device.Pool.Rent(new Shape(4), MemoryCategory.Workspace);
        returned.Dispose();
        using var listener = new CapturingListener();
        Trace.Listeners.Add(listener);
        try
        {
            device.Dispose();
        }
        finally
        {
            Trace.Listeners.Remove(listener);
        }

        device.LiveTensorsAtDispose.Should().Be(1);
        listener.Messages.Should().Contain(m => m.Contains("1 live tensor", StringComparison.Ordinal));

        Action read = () => live.ToArray();
        read.Should().Throw<ObjectDisposedException>().WithMessage("*device*was disposed*");
        Action write = () => live.CopyFrom([1, 2, 3, 4, 5, 6]);
        write.Should().Throw<ObjectDisposedException>();
        Action rent = () => device.Pool.Rent(new Shape(1), MemoryCategory.Workspace);
        rent.Should().Throw<ObjectDisposedException>();
        live.Dispose(); // still allowed: releasing a dead tensor is a no-op, not an error
        live.IsDisposed.Should().BeTrue();
    }

    [Fact]
    public void DisposeDevice_AllTensorsReturned_ReportsNone()
    {
        ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        device.Pool.Rent(new Shape(5), MemoryCategory.Workspace).Dispose();
        device.Dispose();
        device.LiveTensorsAtDispose.Should().Be(0);
    }

    private sealed class CapturingListener : TraceListener
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public override void Write(string? message) => Add(message);

        public override void WriteLine(string? message) => Add(message);

        private void Add(string? message)
        {
            lock (_messages)
            {
                _messages.Add(message ?? string.Empty);
            }
        }
    }
}
