using RevNet.ILGPU.Host;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.HostKernels;

/// <summary>
/// The host convolution (forward, backward-input, backward-weight) against double loops on ragged shapes: batch 1,
/// odd channel counts, non-square images, strides 1 and 2, paddings 0/1/2, kernels 1x1, 3x3 and 5x3, shapes that
/// take the stride-1 flipped-kernel and the general col2im backward-input paths, depths above one KC block and
/// sizes large enough to run on several threads. Each case runs on both kernel families.
/// </summary>
public sealed class HostConv2dTests
{
    // (n, c, h, w, k, r, s, strideH, strideW, padH, padW)
    private static readonly Conv2dGeometry[] Shapes =
    [
        new(1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1),    // smallest 3x3
        new(2, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1),    // odd channels, non-square
        new(2, 3, 9, 7, 4, 3, 3, 2, 2, 1, 1),    // stride 2
        new(1, 5, 6, 8, 3, 1, 1, 1, 1, 0, 0),    // 1x1 pointwise, batch 1
        new(2, 4, 7, 6, 6, 5, 3, 1, 1, 2, 1),    // 5x3 kernel, pad 2/1
        new(1, 2, 8, 8, 3, 3, 3, 1, 1, 2, 2),    // pad 2 > R-1: general backward-input path
        new(3, 2, 10, 11, 3, 3, 3, 2, 1, 0, 1),  // mixed strides, pad 0 rows
        new(1, 3, 6, 6, 2, 1, 1, 2, 2, 0, 0),    // 1x1 stride 2
        new(2, 8, 9, 9, 40, 3, 3, 1, 1, 1, 1),   // K = 40: 32 + 16 lane panels in the weight gradient
        new(4, 40, 12, 12, 20, 3, 3, 1, 1, 1, 1), // CRS = 360: two KC blocks; multi-threaded
        new(1, 16, 24, 24, 24, 3, 3, 1, 1, 1, 1), // batch 1, split into column chunks across threads
        new(2, 7, 28, 28, 9, 3, 3, 1, 1, 1, 1),  // 28-wide rows: panels cross output rows
        new(2, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1),  // direct stride-1 kernel: Q = 8 half-row segments
        new(1, 8, 5, 16, 8, 3, 3, 1, 1, 1, 1),   // direct kernel: Q = 16, odd P
        new(2, 16, 16, 16, 32, 3, 3, 1, 1, 1, 1), // direct kernel: Q = 16, several channel tiles
        new(1, 200, 8, 8, 8, 3, 3, 1, 1, 1, 1),  // direct kernel: depth 1800 > 320, partial sums reloaded
    ];

    public static TheoryData<bool, int> Cases()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool wide in new[] { true, false })
        {
            for (int i = 0; i < Shapes.Length; i++)
            {
                data.Add(wide, i);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Forward_RaggedShapes_MatchesDoubleReference(bool wide, int shape)
    {
        HostGemmTests.SkipIfNoWide(wide);
        Conv2dGeometry g = Shapes[shape];
        (float[] x, float[] w, float[] dy) = Inputs(g, 10 + shape);
        float[] y = Filled(g.N * g.K * g.P * g.Q, float.NaN);

        HostConv2d.Forward(wide, x, w, y, g);

        TensorAssert.Close(y, Conv2dReference.Forward(x.ToDouble(), w.ToDouble(), g), atol: HostGemmTests.Atol(g.C * g.R * g.S), what: g.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void BackwardInput_RaggedShapes_OverwritesWithReference(bool wide, int shape)
    {
        HostGemmTests.SkipIfNoWide(wide);
        Conv2dGeometry g = Shapes[shape];
        (float[] x, float[] w, float[] dy) = Inputs(g, 20 + shape);
        float[] dx = Filled(x.Length, float.NaN);

        HostConv2d.BackwardInput(wide, dy, w, dx, g);

        TensorAssert.Close(dx, Conv2dReference.BackwardInput(dy.ToDouble(), w.ToDouble(), g), atol: HostGemmTests.Atol(g.K * g.R * g.S), what: g.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void BackwardWeight_RaggedShapes_AccumulatesReference(bool wide, int shape)
    {
        HostGemmTests.SkipIfNoWide(wide);
        Conv2dGeometry g = Shapes[shape];
        (float[] x, float[] w, float[] dy) = Inputs(g, 30 + shape);
        float[] dw = TestData.Uniform(40 + shape, w.Length);
        double[] expected = dw.ToDouble();
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), expected, g);

        HostConv2d.BackwardWeight(wide, x, dy, dw, g);

        TensorAssert.Close(dw, expected, atol: HostGemmTests.Atol(g.N * g.P * g.Q), what: g.ToString());
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void AllOps_RepeatedRuns_BitIdentical(bool wide)
    {
        HostGemmTests.SkipIfNoWide(wide);
        foreach (Conv2dGeometry g in new[] { Shapes[9], Shapes[10], Shapes[2] })
        {
            float[][] first = RunAll(wide, g, seed: 3);
            float[][] second = RunAll(wide, g, seed: 3);
            for (int i = 0; i < first.Length; i++)
            {
                TensorAssert.BitIdentical(first[i], second[i], $"{g} output {i}");
            }
        }
    }

    [SkippableFact]
    public void AllOps_WideAndPortableKernels_BitIdentical()
    {
        HostGemmTests.SkipIfNoWide(true);
        foreach (Conv2dGeometry g in new[] { Shapes[9], Shapes[4], Shapes[2] })
        {
            float[][] wide = RunAll(true, g, seed: 4);
            float[][] portable = RunAll(false, g, seed: 4);
            for (int i = 0; i < wide.Length; i++)
            {
                TensorAssert.BitIdentical(wide[i], portable[i], $"{g} output {i}");
            }
        }
    }

    [Fact]
    public void PublicEntryPoints_MatchReference()
    {
        Conv2dGeometry g = Shapes[1];
        (float[] x, float[] w, float[] dy) = Inputs(g, 50);
        float[] y = new float[g.N * g.K * g.P * g.Q];
        float[] dx = new float[x.Length];
        float[] dw = new float[w.Length];

        HostConv2d.Forward(x, w, y, g);
        HostConv2d.BackwardInput(dy, w, dx, g);
        HostConv2d.BackwardWeight(x, dy, dw, g);
        double[] expectedDw = new double[w.Length];
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), expectedDw, g);

        TensorAssert.Close(y, Conv2dReference.Forward(x.ToDouble(), w.ToDouble(), g), what: "forward");
        TensorAssert.Close(dx, Conv2dReference.BackwardInput(dy.ToDouble(), w.ToDouble(), g), what: "backward input");
        TensorAssert.Close(dw, expectedDw, what: "backward weight");
    }

    private static float[][] RunAll(bool wide, Conv2dGeometry g, int seed)
    {
        (float[] x, float[] w, float[] dy) = Inputs(g, seed);
        float[] y = new float[g.N * g.K * g.P * g.Q];
        float[] dx = new float[x.Length];
        float[] dw = TestData.Uniform(seed + 7, w.Length);
        HostConv2d.Forward(wide, x, w, y, g);
        HostConv2d.BackwardInput(wide, dy, w, dx, g);
        HostConv2d.BackwardWeight(wide, x, dy, dw, g);
        return [y, dx, dw];
    }

    private static (float[] X, float[] W, float[] Dy) Inputs(Conv2dGeometry g, int seed) =>
        (TestData.Uniform(seed, g.N * g.C * g.H * g.W),
         TestData.Uniform(seed + 1, g.K * g.C * g.R * g.S),
         TestData.Uniform(seed + 2, g.N * g.K * g.P * g.Q));

    private static float[] Filled(int count, float value)
    {
        float[] a = new float[count];
        Array.Fill(a, value);
        return a;
    }
}
