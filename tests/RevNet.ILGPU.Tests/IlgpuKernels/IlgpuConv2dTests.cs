using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>The ILGPU direct-convolution kernels against double loops, on tiny ragged geometries.</summary>
public abstract class IlgpuConv2dTests(DeviceFixture fixture)
{
    /// <summary>
    /// n, c, h, w, k, r, s, stride, pad: padded 3x3, strided, 1x1 shortcut, rectangular, pad ≥ kernel/2; the last
    /// two are big enough (N·P·Q ≥ 512) for the batch-split weight gradient, with 2 and 3 uneven chunks.
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Geometries => new()
    {
        { 2, 3, 5, 7, 5, 3, 3, 1, 1 },
        { 1, 5, 5, 7, 3, 3, 3, 2, 1 },
        { 2, 3, 5, 7, 4, 1, 1, 2, 0 },
        { 1, 3, 5, 7, 2, 3, 2, 1, 0 },
        { 2, 2, 4, 5, 3, 2, 3, 3, 2 },
        { 5, 2, 11, 11, 3, 3, 3, 1, 1 },
        { 7, 1, 12, 14, 2, 3, 3, 1, 0 },
    };

    [SkippableTheory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_ForwardAndBackward_MatchReference(
        int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        ComputeDevice device = fixture.Require();
        var g = new Conv2dGeometry(n, c, h, w, k, r, s, stride, stride, pad, pad);
        float[] x = TestData.Uniform(31, n * c * h * w);
        float[] wt = TestData.Uniform(32, k * c * r * s);
        float[] dy = TestData.Uniform(33, n * k * g.P * g.Q);
        float[] dw0 = TestData.Uniform(34, wt.Length);
        using Tensor tx = device.ToTensor(x, n, c, h, w);
        using Tensor tw = device.ToTensor(wt, k, c, r, s);
        using Tensor y = device.RandomTensor(35, n, k, g.P, g.Q);
        using Tensor tdy = device.ToTensor(dy, n, k, g.P, g.Q);
        using Tensor dx = device.RandomTensor(36, n, c, h, w);
        using Tensor dw = device.ToTensor(dw0, k, c, r, s);

        TensorOps.Conv2dForward(tx, tw, y, g);
        TensorOps.Conv2dBackwardInput(tdy, tw, dx, g);
        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);

        double[] accumulated = dw0.ToDouble();
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), accumulated, g);
        TensorAssert.Close(y.ToArray(), Conv2dReference.Forward(x.ToDouble(), wt.ToDouble(), g), what: "conv forward " + g);
        TensorAssert.Close(dx.ToArray(), Conv2dReference.BackwardInput(dy.ToDouble(), wt.ToDouble(), g), what: "conv dx " + g);
        TensorAssert.Close(dw.ToArray(), accumulated, what: "conv dw (accumulated) " + g);
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuConv2dTests(IlgpuCpuFixture fixture) : IlgpuConv2dTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaConv2dTests(CudaFixture fixture) : IlgpuConv2dTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLConv2dTests(OpenCLFixture fixture) : IlgpuConv2dTests(fixture);
