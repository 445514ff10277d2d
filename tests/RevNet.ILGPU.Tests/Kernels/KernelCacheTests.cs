using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Kernels;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>The ILGPU backend loads each kernel once per device, on first use, whatever the shapes.</summary>
public sealed class KernelCacheTests
{
    [Fact]
    public void Launch_SameKernelOtherShapes_LoadsItOnce()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.IlgpuCpu); // its own cache, nothing loaded yet
        var ops = (IlgpuOps)device.Ops;
        ops.LoadedKernels.Should().Be(0);
        using Tensor a = device.RandomTensor(1, 5);
        using Tensor b = device.RandomTensor(2, 3, 7);
        TensorOps.Multiply(a, a, a);
        int loaded = ops.LoadedKernels;
        TensorOps.Multiply(a, a, a);
        TensorOps.Multiply(b, b, b);
        ops.LoadedKernels.Should().Be(loaded, "a kernel is keyed by its method, not by the launch");
        TensorOps.Divide(b, b, b);
        ops.LoadedKernels.Should().Be(loaded + 1, "another method is another kernel");
    }
}
