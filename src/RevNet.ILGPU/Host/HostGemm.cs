namespace RevNet.ILGPU.Host;

/// <summary>Single-precision GEMM on the CPU: C = alpha·op(A)·op(B) + beta·C, row-major.</summary>
internal static class HostGemm
{
    /// <summary>
    /// C[m, n] = alpha · Σ_k op(A)[m, k]·op(B)[k, n] + beta · C[m, n]. Row-major with leading dimensions
    /// lda, ldb, ldc. op(A) = A (m x k, A[i*lda + p]) or Aᵀ (A is k x m, A[p*lda + i]); likewise for B.
    /// beta = 0 ignores C's old contents (NaNs included).
    /// </summary>
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        // TEMPORARY naive reference form; replaced by the blocked FMA kernel.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }

                int ci = (i * ldc) + j;
                c[ci] = (alpha * sum) + (beta == 0f ? 0f : beta * c[ci]);
            }
        }
    }
}
