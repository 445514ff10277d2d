using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>CopyChannels and the split / concat / zero-pad ops built on it. Copies must be exact.</summary>
public abstract class ChannelOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableTheory]
    [InlineData(1, 1, 1, 1, 1, 0, 0, 1)]
    [InlineData(2, 5, 3, 5, 7, 1, 0, 3)]
    [InlineData(3, 4, 6, 2, 3, 0, 5, 1)]
    [InlineData(1, 7, 7, 1, 1, 2, 3, 4)]
    public void CopyChannels_OffsetsAndOddSizes_CopyOnlyTheRangeExactly(
        int n, int srcChannels, int dstChannels, int h, int w, int srcOffset, int dstOffset, int count)
    {
        ComputeDevice device = Require();
        float[] src = Random(20, (long)n * srcChannels * h * w);
        float[] dst0 = Random(21, (long)n * dstChannels * h * w);
        using Tensor ts = Upload(device, src, n, srcChannels, h, w);
        using Tensor td = Upload(device, dst0, n, dstChannels, h, w);

        TensorOps.CopyChannels(ts, srcOffset, td, dstOffset, count);

        double[] expected = D(dst0);
        ElementwiseReference.CopyChannels(
            D(src), srcChannels, srcOffset, expected, dstChannels, dstOffset, count, n, h * w);
        TensorAssert.Close(td.ToArray(), expected, 0, 0, "copy channels (untouched channels must keep their values)");
    }

    [SkippableTheory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(2, 3, 2, 5, 7)]
    [InlineData(3, 1, 4, 2, 2)]
    public void SplitThenConcat_OddChannels_RoundTripsExactly(int n, int ca, int cb, int h, int w)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        float[] x = Random(22, (long)n * (ca + cb) * hw);
        using Tensor tx = Upload(device, x, n, ca + cb, h, w);
        using Tensor a = Poisoned(device, n, ca, h, w);
        using Tensor b = Poisoned(device, n, cb, h, w);
        using Tensor back = Poisoned(device, n, ca + cb, h, w);

        TensorOps.SplitChannels(tx, a, b);
        (double[] ra, double[] rb) = ElementwiseReference.SplitChannels(D(x), n, ca, cb, hw);
        TensorAssert.Close(a.ToArray(), ra, 0, 0, "split a");
        TensorAssert.Close(b.ToArray(), rb, 0, 0, "split b");

        TensorOps.ConcatChannels(a, b, back);
        TensorAssert.Close(back.ToArray(), ElementwiseReference.ConcatChannels(ra, rb, n, ca, cb, hw), 0, 0, "concat");
        TensorAssert.BitIdentical(back.ToArray(), x, "split then concat");
    }

    [SkippableTheory]
    [InlineData(1, 1, 2, 1, 1, 0)]
    [InlineData(2, 3, 7, 5, 3, 2)]
    [InlineData(2, 4, 8, 2, 6, 4)]
    public void PadChannels_ForwardAndBackward_MatchReference(int n, int cx, int cy, int h, int w, int before)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        float[] x = Random(23, (long)n * cx * hw);
        float[] dy = Random(24, (long)n * cy * hw);
        using Tensor tx = Upload(device, x, n, cx, h, w);
        using Tensor y = Poisoned(device, n, cy, h, w);
        using Tensor tdy = Upload(device, dy, n, cy, h, w);
        using Tensor dx = Poisoned(device, n, cx, h, w);

        TensorOps.PadChannels(tx, y, before);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.PadChannels(D(x), n, cx, hw, cy, before), 0, 0, "pad");
        TensorOps.PadChannelsBackward(tdy, dx, before);
        TensorAssert.Close(
            dx.ToArray(), ElementwiseReference.PadChannelsBackward(D(dy), n, cy, hw, cx, before), 0, 0, "pad backward");
    }

    [SkippableFact]
    public void CopyChannels_LargeRaggedPlanes_CopyExactly()
    {
        SkipOnSimulatorAbove(5L * 64 * 17 * 19);
        ComputeDevice device = Require();
        const int N = 5;
        const int Src = 37;
        const int Dst = 64;
        const int H = 17;
        const int W = 19;
        float[] src = Random(25, N * Src * H * W);
        float[] dst0 = Random(26, N * Dst * H * W);
        using Tensor ts = Upload(device, src, N, Src, H, W);
        using Tensor td = Upload(device, dst0, N, Dst, H, W);

        TensorOps.CopyChannels(ts, 3, td, 20, 33);

        double[] expected = D(dst0);
        ElementwiseReference.CopyChannels(D(src), Src, 3, expected, Dst, 20, 33, N, H * W);
        TensorAssert.Close(td.ToArray(), expected, 0, 0, "copy channels");
    }
}
