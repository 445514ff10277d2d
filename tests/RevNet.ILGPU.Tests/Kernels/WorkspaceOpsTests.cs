using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// Kernel scratch (GEMM packing panels, reduction partials) comes from the device's pool: the pool's workspace peak
/// sees it during the op, everything is back when the op returns, and a repeated op allocates nothing new.
/// </summary>
public abstract class WorkspaceOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableFact]
    public void BatchNormStatistics_ScratchCountedByThePoolAndReturned()
    {
        ComputeDevice device = Require();
        const int N = 4, C = 6;
        using Tensor x = device.RandomTensor(1, N, C, 5, 5);
        using Tensor mean = Poisoned(device, C);
        using Tensor invStd = Poisoned(device, C);
        long extra = MeasureScratch(device, () => TensorOps.BatchNormStatistics(x, mean, invStd, 1e-5f));
        extra.Should().BeGreaterThanOrEqualTo(N * C * sizeof(float), "the per-plane partial sums are pool scratch");
    }

    [SkippableFact]
    public void Conv2dBackwardWeight_ScratchCountedByThePoolAndReturned()
    {
        ComputeDevice device = Require();
        using Tensor x = device.RandomTensor(2, 8, 3, 16, 16);
        using Tensor w = device.RandomTensor(3, 4, 3, 3, 3);
        Conv2dGeometry g = TensorOps.ConvGeometry(x.Shape, w.Shape, 1, 1);
        using Tensor dy = device.RandomTensor(4, 8, 4, 16, 16);
        using Tensor dw = device.RandomTensor(5, 4, 3, 3, 3);
        long extra = MeasureScratch(device, () => TensorOps.Conv2dBackwardWeight(x, dy, dw, g));
        extra.Should().BeGreaterThanOrEqualTo(
            w.ElementCount * sizeof(float), "GEMM panels (Host) or per-chunk partial sums (ILGPU) are pool scratch");
    }

    [SkippableFact]
    public void Conv2dForward_PoolLimitLeavesNoRoomForScratch_ThrowsDeviceOutOfMemory()
    {
        ComputeDevice device = Require();
        Skip.If(device.Kind != DeviceKind.Host, "Only the Host convolution rents scratch from parallel workers.");
        using Tensor x = device.RandomTensor(6, 8, 16, 32, 32);
        using Tensor w = device.RandomTensor(7, 32, 16, 3, 3);
        Conv2dGeometry g = TensorOps.ConvGeometry(x.Shape, w.Shape, 1, 1);
        using Tensor y = Poisoned(device, 8, 32, 32, 32);
        device.Pool.Trim();
        int rented = device.Pool.RentedCount;
        device.Pool.LimitBytes = device.Pool.AllocatedBytes + 1024;
        try
        {
            FluentActions.Invoking(() => TensorOps.Conv2dForward(x, w, y, g))
                .Should().Throw<DeviceOutOfMemoryException>("scratch counts against the limit like any tensor");
        }
        finally
        {
            device.Pool.LimitBytes = null;
        }

        device.Pool.RentedCount.Should().Be(rented, "the scratch rented before the failure went back");
        TensorOps.Conv2dForward(x, w, y, g);
        y.ToArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    /// <summary>
    /// Runs <paramref name="op"/> twice and returns how far the workspace peak rose above the bytes in use before;
    /// asserts that the op left nothing rented and that the second run allocated nothing new from the device.
    /// </summary>
    private static long MeasureScratch(ComputeDevice device, Action op)
    {
        BufferPool pool = device.Pool;
        int rented = pool.RentedCount;
        long before = pool.CurrentBytes(MemoryCategory.Workspace);
        pool.ResetPeaks();
        op();
        device.Synchronize();
        long extra = pool.PeakBytes(MemoryCategory.Workspace) - before;
        pool.RentedCount.Should().Be(rented, "scratch goes back to the pool when the op returns");
        pool.CurrentBytes(MemoryCategory.Workspace).Should().Be(before);
        long allocations = pool.AllocationCount;
        op();
        device.Synchronize();
        pool.AllocationCount.Should().Be(allocations, "a repeated op reuses its scratch from the pool");
        return extra;
    }
}
