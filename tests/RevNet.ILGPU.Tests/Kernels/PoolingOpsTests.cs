using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>2x2 average pooling and global average pooling, forward and backward, against the reference.</summary>
public abstract class PoolingOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableTheory]
    [InlineData(1, 1, 2, 2)]
    [InlineData(2, 3, 4, 6)]
    [InlineData(1, 5, 8, 2)]
    public void AvgPool2x2_ForwardAndBackward_MatchReference(int n, int c, int h, int w) =>
        CheckAvgPool(n, c, h, w);

    [SkippableFact]
    public void AvgPool2x2_LargeShape_MatchesReference()
    {
        SkipOnSimulatorAbove(8L * 33 * 16 * 18);
        CheckAvgPool(8, 33, 16, 18);
    }

    [SkippableTheory]
    [InlineData(1, 1, 1, 1, false)]
    [InlineData(2, 3, 5, 7, false)]
    [InlineData(3, 17, 4, 4, true)]
    public void GlobalAvgPool_ForwardAndBackward_MatchReference(int n, int c, int h, int w, bool outputIs4d) =>
        CheckGlobalAvgPool(n, c, h, w, outputIs4d);

    [SkippableFact]
    public void GlobalAvgPool_LargePlanes_MatchesReference()
    {
        SkipOnSimulatorAbove(16L * 65 * 32 * 33);
        CheckGlobalAvgPool(16, 65, 32, 33, outputIs4d: false);
    }

    private void CheckAvgPool(int n, int c, int h, int w)
    {
        ComputeDevice device = Require();
        float[] x = Random(30, (long)n * c * h * w);
        float[] dy = Random(31, (long)n * c * (h / 2) * (w / 2));
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor y = Poisoned(device, n, c, h / 2, w / 2);
        using Tensor tdy = Upload(device, dy, n, c, h / 2, w / 2);
        using Tensor dx = Poisoned(device, n, c, h, w);

        TensorOps.AvgPool2x2Forward(tx, y);
        TensorAssert.Close(y.ToArray(), PoolingReference.AvgPool2x2(D(x), n, c, h, w), Atol, Rtol, "avgpool forward");
        TensorOps.AvgPool2x2Backward(tdy, dx);
        TensorAssert.Close(
            dx.ToArray(), PoolingReference.AvgPool2x2Backward(D(dy), n, c, h, w), Atol, Rtol, "avgpool backward");
    }

    private void CheckGlobalAvgPool(int n, int c, int h, int w, bool outputIs4d)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        float[] x = Random(32, (long)n * c * hw);
        float[] dy = Random(33, (long)n * c);
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor y = outputIs4d ? Poisoned(device, n, c, 1, 1) : Poisoned(device, n, c);
        using Tensor tdy = outputIs4d ? Upload(device, dy, n, c, 1, 1) : Upload(device, dy, n, c);
        using Tensor dx = Poisoned(device, n, c, h, w);

        TensorOps.GlobalAvgPoolForward(tx, y);
        TensorAssert.Close(
            y.ToArray(), PoolingReference.GlobalAvgPool(D(x), n, c, hw), Atol, Rtol, "global pool forward");
        TensorOps.GlobalAvgPoolBackward(tdy, dx);
        TensorAssert.Close(
            dx.ToArray(), PoolingReference.GlobalAvgPoolBackward(D(dy), n, c, hw), Atol, Rtol, "global pool backward");
    }
}
