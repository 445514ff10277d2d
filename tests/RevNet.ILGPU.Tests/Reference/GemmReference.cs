namespace RevNet.ILGPU.Tests.Reference;

/// <summary>Double-precision general matrix multiply, the twin the host GEMM is checked against.</summary>
public static class GemmReference
{
    /// <summary>alpha·op(A)·op(B) + beta·C in double (beta = 0 ignores C), row-major with leading dimensions.</summary>
    public static double[] Gemm(
        bool transA, bool transB, int m, int n, int k, double alpha,
        float[] a, int lda, float[] b, int ldb, double beta, float[] c, int ldc)
    {
        double[] r = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    double bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }

                r[(i * n) + j] = (alpha * sum) + (beta == 0 ? 0 : beta * c[(i * ldc) + j]);
            }
        }

        return r;
    }
}
