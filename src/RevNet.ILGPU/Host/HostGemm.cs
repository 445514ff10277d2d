namespace RevNet.ILGPU.Host;

/// <summary>Single-precision GEMM on the CPU: C = alpha·op(A)·op(B) + beta·C, row-major.</summary>
/// <remarks>
/// Packed A/B panels, MC/KC/NC cache blocking and a register-blocked FMA micro-kernel (AVX-512 8x32 when
/// <c>Vector512</c> is accelerated, else a 6 x 2·<c>Vector&lt;float&gt;.Count</c> kernel; see
/// <see cref="GemmKernels"/>). Large products split C between the cores with <see cref="Parallel"/>; every output
/// is one FMA chain over k in a fixed order, so results are bit-identical across runs and thread counts.
/// </remarks>
internal static unsafe class HostGemm
{
    /// <summary>Below this many multiply-adds the product runs on the calling thread.</summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>Chunks of C per core in a parallel product (more chunks balance better on a busy machine).</summary>
    private const int ChunksPerThread = 4;

    /// <summary>
    /// C[m, n] = alpha · Σ_k op(A)[m, k]·op(B)[k, n] + beta · C[m, n]. Row-major with leading dimensions
    /// lda, ldb, ldc. op(A) = A (m x k, A[i*lda + p]) or Aᵀ (A is k x m, A[p*lda + i]); likewise for B.
    /// beta = 0 ignores C's old contents (NaNs included).
    /// </summary>
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Sgemm(GemmDriver.DefaultWide, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>As <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>,
    /// choosing the kernel family (tests run both).</summary>
    internal static void Sgemm(
        bool wide, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (k <= 0 || alpha == 0f)
            {
                // Nothing to multiply: C = beta·C (beta = 0 clears, NaNs included).
                k = 0;
            }

            var packA = new MatrixPackA(pa, lda, transA);
            var packB = new MatrixPackB(pb, ldb, transB);
            if (k == 0 || (long)m * n * k < ParallelThreshold || Environment.ProcessorCount == 1)
            {
                GemmDriver.Run(wide, packA, packB, 0, m, 0, n, k, alpha, beta, pc, ldc, GemmScratch.Current);
                return;
            }

            RunParallel(wide, packA, packB, m, n, k, alpha, beta, pc, ldc);
        }
    }

    /// <summary>
    /// Splits C into several chunks per core (dynamic balancing on a shared machine): NR-aligned column chunks
    /// when n ≥ m, with A packed once and shared, else MR-aligned row chunks with B packed once and shared, so no
    /// operand is packed twice.
    /// </summary>
    private static void RunParallel(
        bool wide, MatrixPackA a, MatrixPackB b, int m, int n, int k, float alpha, float beta, float* c, int ldc)
    {
        GemmScratch scratch = GemmScratch.Current;
        int threads = Environment.ProcessorCount;
        bool byColumns = n >= m;
        int unit = byColumns ? GemmDriver.Nr(wide) : GemmDriver.Mr(wide);
        int units = ((byColumns ? n : m) + unit - 1) / unit;
        int parts = Math.Min(units, ChunksPerThread * threads);
        nint cAddress = (nint)c;
        if (byColumns)
        {
            float* shared = scratch.Get(GemmSlot.SharedA, GemmDriver.PrepackedSizeA(wide, m, k));
            nint sharedAddress = (nint)shared;
            Parallel.For(0, GemmDriver.DepthBlocks(k), HostOps.Workers, block =>
                GemmDriver.PrepackABlock(wide, a, m, k, (float*)sharedAddress, block));
            PrepackedA packedA = GemmDriver.PrepackedReaderA(wide, m, shared);
            Parallel.For(0, parts, HostOps.Workers, part =>
            {
                int lo = (int)((long)units * part / parts) * unit;
                int hi = Math.Min(n, (int)((long)units * (part + 1) / parts) * unit);
                GemmDriver.Run(wide, packedA, b, 0, m, lo, hi, k, alpha, beta, (float*)cAddress, ldc, GemmScratch.Current);
            });
        }
        else
        {
            float* shared = scratch.Get(GemmSlot.SharedB, GemmDriver.PrepackedSizeB(wide, n, k));
            nint sharedAddress = (nint)shared;
            Parallel.For(0, GemmDriver.DepthBlocks(k), HostOps.Workers, block =>
                GemmDriver.PrepackBBlock(wide, b, n, k, (float*)sharedAddress, block));
            PrepackedB packedB = GemmDriver.PrepackedReaderB(wide, n, shared);
            Parallel.For(0, parts, HostOps.Workers, part =>
            {
                int lo = (int)((long)units * part / parts) * unit;
                int hi = Math.Min(m, (int)((long)units * (part + 1) / parts) * unit);
                GemmDriver.Run(wide, a, packedB, lo, hi, 0, n, k, alpha, beta, (float*)cAddress, ldc, GemmScratch.Current);
            });
        }
    }
}
