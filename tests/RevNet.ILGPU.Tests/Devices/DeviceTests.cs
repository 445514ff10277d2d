using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Tests.Devices;

public sealed class DeviceTests
{
    [Fact]
    public void Discover_ListsEveryBackend_WithReasons()
    {
        IReadOnlyList<BackendProbe> probes = ComputeDevice.Discover();
        probes.Select(p => p.Kind).Should().BeEquivalentTo(
            [DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.Host, DeviceKind.IlgpuCpu]);
        probes.Should().OnlyContain(p => p.Reason.Length > 0);
        probes.Single(p => p.Kind == DeviceKind.Host).Available.Should().BeTrue();
    }

    [Fact]
    public void ParseKind_UnknownName_ThrowsWithChoices()
    {
        Action act = () => ComputeDevice.ParseKind("tpu");
        act.Should().Throw<ArgumentException>().WithMessage("*tpu*host*cuda*").WithParameterName("value");
    }

    [Fact]
    public void Pool_ReusesBuffers_AndCountsPeaksPerCategory()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        BufferPool pool = device.Pool;
        Tensor a = pool.Rent(new Shape(4, 8), MemoryCategory.Activations);
        a.Dispose();
        long allocations = pool.AllocationCount;
        using (Tensor b = pool.Rent(new Shape(8, 4), MemoryCategory.Activations))
        {
            pool.AllocationCount.Should().Be(allocations, "a buffer of the same size is reused");
            pool.CurrentBytes(MemoryCategory.Activations).Should().Be(128);
        }

        pool.PeakBytes(MemoryCategory.Activations).Should().Be(128);
        pool.CurrentBytes(MemoryCategory.Activations).Should().Be(0);
        pool.RentedCount.Should().Be(0);
    }

    [Fact]
    public void Tensor_UseAfterDispose_Throws()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        Tensor t = device.Pool.Rent(new Shape(3), MemoryCategory.Workspace);
        t.Dispose();
        Action act = () => t.ToArray();
        act.Should().Throw<ObjectDisposedException>();
        t.Dispose(); // a second dispose is a no-op, not a double return
        device.Pool.RentedCount.Should().Be(0);
    }

    [Fact]
    public void Shape_EqualityIsByDimensions()
    {
        new Shape(2, 3).Should().Be(new Shape(2, 3));
        (new Shape(2, 3) == new Shape(3, 2)).Should().BeFalse();
        new Shape(32, 2, 28, 28).ToString().Should().Be("[32, 2, 28, 28]");
        Action act = () => _ = new Shape(2, 0);
        act.Should().Throw<ArgumentException>();
    }
}
