using System.Runtime.Intrinsics;
using RevNet.ILGPU.Host;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.HostKernels;

/// <summary>
/// The blocked host SGEMM against a double-precision triple loop: all four transpose combinations, ragged sizes
/// (1, 17, 33, 100x37x129, depths above one KC block, more rows than one MC block, products large enough to
/// run on several threads, split by columns or by rows),
/// alpha/beta, padded leading dimensions, and bit-reproducibility. Each case runs on both kernel families
/// (AVX-512 "wide", skipped where Vector512 is not accelerated, and the portable Vector&lt;float&gt; one).
/// </summary>
public sealed unsafe class HostGemmTests
{
    private static readonly (int M, int N, int K)[] Sizes =
    [
        (1, 1, 1), (17, 17, 17), (33, 33, 33), (100, 37, 129), (1, 65, 3), (70, 1, 40), (9, 40, 700),
        (130, 200, 50), (64, 96, 700), (257, 45, 333),
    ];

    public static TheoryData<bool, bool, bool, int> TransposeCases()
    {
        var data = new TheoryData<bool, bool, bool, int>();
        foreach (bool wide in new[] { true, false })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    for (int size = 0; size < Sizes.Length; size++)
                    {
                        data.Add(wide, ta, tb, size);
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<bool, bool, bool> Combos()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool wide in new[] { true, false })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                {
                    data.Add(wide, ta, tb);
                }
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(TransposeCases))]
    public void Sgemm_TransposeCombosAndRaggedSizes_MatchDoubleReference(bool wide, bool transA, bool transB, int size)
    {
        SkipIfNoWide(wide);
        (int m, int n, int k) = Sizes[size];
        Problem pr = Problem.Create(1000 + size, transA, transB, m, n, k, pad: 0);
        Array.Fill(pr.C, float.NaN); // beta = 0 must ignore old C, NaNs included.

        double[] expected = GemmReference.Gemm(transA, transB, m, n, k, 1, pr.A, pr.Lda, pr.B, pr.Ldb, 0, pr.C, pr.Ldc);
        HostGemm.Sgemm(wide, transA, transB, m, n, k, 1f, pr.A, pr.Lda, pr.B, pr.Ldb, 0f, pr.C, pr.Ldc);

        TensorAssert.Close(pr.C, expected, atol: Atol(k), what: $"gemm {m}x{n}x{k} tA={transA} tB={transB}");
    }

    [SkippableTheory]
    [MemberData(nameof(Combos))]
    public void Sgemm_AlphaBetaAndPaddedLeadingDims_MatchReferenceAndLeavePaddingAlone(bool wide, bool transA, bool transB)
    {
        SkipIfNoWide(wide);
        foreach ((int m, int n, int k) in new[] { (100, 37, 129), (33, 70, 400) })
        {
            Problem pr = Problem.Create(77 + m, transA, transB, m, n, k, pad: 3);
            float[] before = (float[])pr.C.Clone();
            double[] expected = GemmReference.Gemm(
                transA, transB, m, n, k, 0.75, pr.A, pr.Lda, pr.B, pr.Ldb, -1.25, pr.C, pr.Ldc);

            HostGemm.Sgemm(wide, transA, transB, m, n, k, 0.75f, pr.A, pr.Lda, pr.B, pr.Ldb, -1.25f, pr.C, pr.Ldc);

            float[] inside = new float[m * n];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < pr.Ldc; j++)
                {
                    if (j < n)
                    {
                        inside[(i * n) + j] = pr.C[(i * pr.Ldc) + j];
                    }
                    else
                    {
                        pr.C[(i * pr.Ldc) + j].Should().Be(before[(i * pr.Ldc) + j], "padding columns of C are not part of C");
                    }
                }
            }

            TensorAssert.Close(inside, expected, atol: Atol(k), what: $"gemm alpha/beta {m}x{n}x{k}");
        }
    }

    [Fact]
    public void Sgemm_ZeroDepth_ScalesCByBeta()
    {
        float[] c = [1f, -2f, 3f, float.NaN];
        HostGemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        c[..3].Should().Equal(0.5f, -1f, 1.5f);

        float[] d = [1f, float.NaN];
        HostGemm.Sgemm(false, false, 1, 2, 0, 1f, [], 1, [], 2, 0f, d, 2);
        d.Should().Equal(0f, 0f);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sgemm_RepeatedRunsAndThreadSplits_BitIdentical(bool wide)
    {
        SkipIfNoWide(wide);
        foreach ((int m, int n, int k) in new[] { (150, 230, 700), (300, 90, 350) })
        {
            RepeatedRunsAndThreadSplits(wide, m, n, k);
        }
    }

    private static void RepeatedRunsAndThreadSplits(bool wide, int m, int n, int k)
    {
        Problem pr = Problem.Create(5, false, true, m, n, k, pad: 0);
        float[] first = new float[m * n];
        float[] second = new float[m * n];
        float[] single = new float[m * n];
        HostGemm.Sgemm(wide, false, true, m, n, k, 1f, pr.A, pr.Lda, pr.B, pr.Ldb, 0f, first, n);
        HostGemm.Sgemm(wide, false, true, m, n, k, 1f, pr.A, pr.Lda, pr.B, pr.Ldb, 0f, second, n);

        // The same product on the calling thread only, as one rectangle.
        fixed (float* pa = pr.A)
        fixed (float* pb = pr.B)
        fixed (float* pc = single)
        {
            GemmDriver.Run(
                wide, new MatrixPackA(pa, pr.Lda, false), new MatrixPackB(pb, pr.Ldb, true), 0, m, 0, n, k,
                1f, 0f, pc, n, GemmScratch.Current);
        }

        TensorAssert.BitIdentical(first, second, "two runs");
        TensorAssert.BitIdentical(first, single, "parallel vs one thread");
    }

    [SkippableFact]
    public void Sgemm_WideAndPortableKernels_BitIdentical()
    {
        SkipIfNoWide(true);
        const int m = 250;
        const int n = 77;
        const int k = 650;
        Problem pr = Problem.Create(9, true, false, m, n, k, pad: 0);
        float[] wide = new float[m * n];
        float[] portable = new float[m * n];
        HostGemm.Sgemm(true, true, false, m, n, k, 1f, pr.A, pr.Lda, pr.B, pr.Ldb, 0f, wide, n);
        HostGemm.Sgemm(false, true, false, m, n, k, 1f, pr.A, pr.Lda, pr.B, pr.Ldb, 0f, portable, n);

        // Both families run one FMA chain per output over the same k-blocks.
        TensorAssert.BitIdentical(wide, portable, "wide vs portable");
    }

    /// <summary>
    /// llm.c's atol 1e-5 for depths up to 256; beyond, the rounding error of a float dot product with random-sign
    /// terms grows like sqrt(k), so atol scales with sqrt(k / 256).
    /// </summary>
    internal static double Atol(int depth) => 1e-5 * Math.Max(1.0, Math.Sqrt(depth / 256.0));

    internal static void SkipIfNoWide(bool wide) =>
        Skip.If(wide && !Vector512.IsHardwareAccelerated, "Vector512 is not hardware-accelerated on this machine.");

    private sealed record Problem(float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc)
    {
        public static Problem Create(int seed, bool transA, bool transB, int m, int n, int k, int pad)
        {
            int lda = (transA ? m : k) + pad;
            int ldb = (transB ? k : n) + pad;
            int ldc = n + pad;
            float[] a = TestData.Uniform(seed, (long)(transA ? k : m) * lda);
            float[] b = TestData.Uniform(seed + 1, (long)(transB ? n : k) * ldb);
            float[] c = TestData.Uniform(seed + 2, (long)m * ldc);
            return new Problem(a, lda, b, ldb, c, ldc);
        }
    }
}
