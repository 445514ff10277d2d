using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Kernels;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.GpuKernels;

/// <summary>
/// The tiled SGEMM (linear layer, 1x1 convolutions) and the implicit-GEMM convolutions on the CPU accelerator with 256-thread groups: against the
/// double references on ragged shapes (sizes that are not multiples of the 64x64 tile or the 16-deep slice,
/// batch 1, odd channels), bit for bit against the simple twins (same summation order), and bit for bit across
/// reruns.
/// </summary>
[Collection(TiledSimulatorCollection.Name)]
public sealed class TiledGemmTests(TiledSimulatorFixture fixture)
{
    /// <summary>n, in, out: batch 1; every dimension ragged; more than one tile in each direction.</summary>
    public static TheoryData<int, int, int> LinearShapes => new()
    {
        { 1, 17, 10 },
        { 3, 65, 5 },
        { 67, 33, 66 },
    };

    /// <summary>n, c, h, w, k: batch 1, odd channels, 8x8 images, and a batch big enough for the split weight
    /// gradient (N·H·W ≥ 512: 2 chunks over 5 samples).</summary>
    public static TheoryData<int, int, int, int, int> PointwiseShapes => new()
    {
        { 1, 3, 5, 7, 5 },
        { 2, 5, 8, 8, 7 },
        { 1, 67, 3, 3, 65 },
        { 5, 2, 11, 11, 3 },
    };

    /// <summary>
    /// n, c, h, w, k, r, s, stride, pad: batch 1 on 8x8 and 32x32 images, stride 2, a strided 1x1 (not the pointwise
    /// GEMM), a rectangular kernel with more than one tile of output channels, and the batch-split weight gradient
    /// (N·P·Q ≥ 512: 2 chunks over 5 samples).
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> ImplicitGemmShapes => new()
    {
        { 1, 3, 8, 8, 5, 3, 3, 1, 1 },
        { 2, 5, 8, 8, 7, 3, 3, 2, 1 },
        { 1, 2, 32, 32, 3, 3, 3, 1, 1 },
        { 2, 3, 5, 7, 4, 1, 1, 2, 0 },
        { 1, 5, 5, 7, 66, 3, 2, 1, 0 },
        { 5, 2, 11, 11, 3, 3, 3, 1, 1 },
    };

    [Fact]
    public void Devices_SelectTheirKernels()
    {
        Ops(fixture.Tiled).Tiled.Should().BeTrue("the tiled simulator has 256-thread groups");
        Ops(fixture.Simple).Tiled.Should().BeFalse("the default simulator keeps the simple kernels");
    }

    [Theory]
    [MemberData(nameof(LinearShapes))]
    public void Linear_Tiled_MatchesReferenceAndSimpleTwin(int n, int inFeatures, int outFeatures)
    {
        float[] x = TestData.Uniform(101, n * inFeatures);
        float[] w = TestData.Uniform(102, outFeatures * inFeatures);
        float[] b = TestData.Uniform(103, outFeatures);
        float[] dy = TestData.Uniform(104, n * outFeatures);
        float[] dw0 = TestData.Uniform(105, outFeatures * inFeatures);
        float[] db0 = TestData.Uniform(106, outFeatures);

        float[][] tiled = RunLinear(fixture.Tiled, x, w, b, dy, dw0, db0, n, inFeatures, outFeatures);

        double[] expectedDw = dw0.ToDouble();
        double[] expectedDb = db0.ToDouble();
        double[] expectedY = LinearReference.Forward(x.ToDouble(), w.ToDouble(), b.ToDouble(), n, inFeatures, outFeatures);
        double[] expectedDx = LinearReference.Backward(
            x.ToDouble(), w.ToDouble(), dy.ToDouble(), n, inFeatures, outFeatures, expectedDw, expectedDb);
        string shape = $"[{n}, {inFeatures}] -> {outFeatures}";
        TensorAssert.Close(tiled[0], expectedY, what: "tiled linear y " + shape);
        TensorAssert.Close(tiled[1], expectedDx, what: "tiled linear dx " + shape);
        TensorAssert.Close(tiled[2], expectedDw, what: "tiled linear dw (accumulated) " + shape);
        TensorAssert.Close(tiled[3], expectedDb, what: "tiled linear db (accumulated) " + shape);

        float[][] simple = RunLinear(fixture.Simple, x, w, b, dy, dw0, db0, n, inFeatures, outFeatures);
        float[][] rerun = RunLinear(fixture.Tiled, x, w, b, dy, dw0, db0, n, inFeatures, outFeatures);
        string[] names = ["y", "dx", "dw", "db"];
        for (int i = 0; i < names.Length; i++)
        {
            TensorAssert.BitIdentical(tiled[i], simple[i], $"tiled vs simple linear {names[i]} {shape}");
            TensorAssert.BitIdentical(tiled[i], rerun[i], $"tiled linear {names[i]} rerun {shape}");
        }
    }

    [Theory]
    [MemberData(nameof(PointwiseShapes))]
    public void PointwiseConv_Tiled_MatchesReferenceAndSimpleTwin(int n, int c, int h, int w, int k)
    {
        var g = Conv2dGeometry.Create(n, c, h, w, k, 1, 1, 0);
        float[] x = TestData.Uniform(111, n * c * h * w);
        float[] wt = TestData.Uniform(112, k * c);
        float[] dy = TestData.Uniform(113, n * k * h * w);
        float[] dw0 = TestData.Uniform(114, k * c);

        float[][] tiled = RunConv(fixture.Tiled, x, wt, dy, dw0, g);

        double[] expectedDw = dw0.ToDouble();
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), expectedDw, g);
        TensorAssert.Close(tiled[0], Conv2dReference.Forward(x.ToDouble(), wt.ToDouble(), g), what: "tiled 1x1 y " + g);
        TensorAssert.Close(tiled[1], Conv2dReference.BackwardInput(dy.ToDouble(), wt.ToDouble(), g), what: "tiled 1x1 dx " + g);
        TensorAssert.Close(tiled[2], expectedDw, what: "tiled 1x1 dw (accumulated) " + g);

        float[][] simple = RunConv(fixture.Simple, x, wt, dy, dw0, g);
        float[][] rerun = RunConv(fixture.Tiled, x, wt, dy, dw0, g);
        string[] names = ["y", "dx", "dw"];
        for (int i = 0; i < names.Length; i++)
        {
            TensorAssert.BitIdentical(tiled[i], simple[i], $"tiled vs simple 1x1 {names[i]} {g}");
            TensorAssert.BitIdentical(tiled[i], rerun[i], $"tiled 1x1 {names[i]} rerun {g}");
        }
    }

    [Theory]
    [MemberData(nameof(ImplicitGemmShapes))]
    public void Conv_ImplicitGemm_MatchesReferenceAndSimpleTwin(
        int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        var g = new Conv2dGeometry(n, c, h, w, k, r, s, stride, stride, pad, pad);
        float[] x = TestData.Uniform(121, n * c * h * w);
        float[] wt = TestData.Uniform(122, k * c * r * s);
        float[] dy = TestData.Uniform(123, n * k * g.P * g.Q);
        float[] dw0 = TestData.Uniform(124, wt.Length);

        float[][] tiled = RunConv(fixture.Tiled, x, wt, dy, dw0, g);

        double[] expectedDw = dw0.ToDouble();
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), expectedDw, g);
        TensorAssert.Close(tiled[0], Conv2dReference.Forward(x.ToDouble(), wt.ToDouble(), g), what: "implicit y " + g);
        TensorAssert.Close(tiled[1], Conv2dReference.BackwardInput(dy.ToDouble(), wt.ToDouble(), g), what: "dx " + g);
        TensorAssert.Close(tiled[2], expectedDw, what: "implicit dw (accumulated) " + g);

        float[][] simple = RunConv(fixture.Simple, x, wt, dy, dw0, g);
        float[][] rerun = RunConv(fixture.Tiled, x, wt, dy, dw0, g);
        string[] names = ["y", "dx", "dw"];
        for (int i = 0; i < names.Length; i++)
        {
            TensorAssert.BitIdentical(tiled[i], simple[i], $"implicit GEMM vs simple {names[i]} {g}");
            TensorAssert.BitIdentical(tiled[i], rerun[i], $"implicit GEMM {names[i]} rerun {g}");
        }
    }

    private static IlgpuOps Ops(ComputeDevice device) => (IlgpuOps)device.Ops;

    /// <summary>Runs forward and backward with outputs poisoned with NaN; returns y, dx, dw, db.</summary>
    private static float[][] RunLinear(
        ComputeDevice device, float[] x, float[] w, float[] b, float[] dy, float[] dw0, float[] db0, int n, int inF,
        int outF)
    {
        using Tensor tx = device.ToTensor(x, n, inF);
        using Tensor tw = device.ToTensor(w, outF, inF);
        using Tensor tb = device.ToTensor(b, outF);
        using Tensor tdy = device.ToTensor(dy, n, outF);
        using Tensor y = device.ToTensor(Poison(n * outF), n, outF);
        using Tensor dx = device.ToTensor(Poison(n * inF), n, inF);
        using Tensor dw = device.ToTensor(dw0, outF, inF);
        using Tensor db = device.ToTensor(db0, outF);
        TensorOps.LinearForward(tx, tw, tb, y);
        TensorOps.LinearBackward(tx, tw, tdy, dx, dw, db);
        return [y.ToArray(), dx.ToArray(), dw.ToArray(), db.ToArray()];
    }

    /// <summary>Runs forward and both gradients with outputs poisoned with NaN; returns y, dx, dw.</summary>
    private static float[][] RunConv(ComputeDevice device, float[] x, float[] w, float[] dy, float[] dw0, Conv2dGeometry g)
    {
        using Tensor tx = device.ToTensor(x, g.N, g.C, g.H, g.W);
        using Tensor tw = device.ToTensor(w, g.K, g.C, g.R, g.S);
        using Tensor tdy = device.ToTensor(dy, g.N, g.K, g.P, g.Q);
        using Tensor y = device.ToTensor(Poison(g.N * g.K * g.P * g.Q), g.N, g.K, g.P, g.Q);
        using Tensor dx = device.ToTensor(Poison(x.Length), g.N, g.C, g.H, g.W);
        using Tensor dw = device.ToTensor(dw0, g.K, g.C, g.R, g.S);
        TensorOps.Conv2dForward(tx, tw, y, g);
        TensorOps.Conv2dBackwardInput(tdy, tw, dx, g);
        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);
        return [y.ToArray(), dx.ToArray(), dw.ToArray()];
    }

    private static float[] Poison(int count) => Enumerable.Repeat(float.NaN, count).ToArray();
}
