using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Tests.HostKernels;

/// <summary>Plain double-precision loops that the host GEMM and convolution are checked against.</summary>
public static class HostKernelReference
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

    /// <summary>y [N, K, P, Q] = conv(x, w).</summary>
    public static double[] ConvForward(float[] x, float[] w, Conv2dGeometry g)
    {
        double[] y = new double[g.N * g.K * g.P * g.Q];
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        double sum = 0;
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int r = 0; r < g.R; r++)
                            {
                                for (int s = 0; s < g.S; s++)
                                {
                                    int h = (p * g.StrideH) + r - g.PadH;
                                    int ww = (q * g.StrideW) + s - g.PadW;
                                    if (h >= 0 && h < g.H && ww >= 0 && ww < g.W)
                                    {
                                        sum += (double)x[XIndex(g, n, c, h, ww)] * w[WIndex(g, k, c, r, s)];
                                    }
                                }
                            }
                        }

                        y[YIndex(g, n, k, p, q)] = sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>dx [N, C, H, W] = ∂(Σ dy·y)/∂x.</summary>
    public static double[] ConvBackwardInput(float[] dy, float[] w, Conv2dGeometry g)
    {
        double[] dx = new double[g.N * g.C * g.H * g.W];
        ForEachTap(g, (n, k, p, q, c, h, ww, r, s) =>
            dx[XIndex(g, n, c, h, ww)] += (double)dy[YIndex(g, n, k, p, q)] * w[WIndex(g, k, c, r, s)]);
        return dx;
    }

    /// <summary>dw [K, C, R, S] = initial + ∂(Σ dy·y)/∂w.</summary>
    public static double[] ConvBackwardWeight(float[] x, float[] dy, float[] initial, Conv2dGeometry g)
    {
        double[] dw = Array.ConvertAll(initial, v => (double)v);
        ForEachTap(g, (n, k, p, q, c, h, ww, r, s) =>
            dw[WIndex(g, k, c, r, s)] += (double)dy[YIndex(g, n, k, p, q)] * x[XIndex(g, n, c, h, ww)]);
        return dw;
    }

    private delegate void Tap(int n, int k, int p, int q, int c, int h, int w, int r, int s);

    private static void ForEachTap(Conv2dGeometry g, Tap tap)
    {
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int r = 0; r < g.R; r++)
                            {
                                for (int s = 0; s < g.S; s++)
                                {
                                    int h = (p * g.StrideH) + r - g.PadH;
                                    int ww = (q * g.StrideW) + s - g.PadW;
                                    if (h >= 0 && h < g.H && ww >= 0 && ww < g.W)
                                    {
                                        tap(n, k, p, q, c, h, ww, r, s);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int XIndex(Conv2dGeometry g, int n, int c, int h, int w) => (((n * g.C) + c) * g.H * g.W) + (h * g.W) + w;

    private static int WIndex(Conv2dGeometry g, int k, int c, int r, int s) => (((k * g.C) + c) * g.R * g.S) + (r * g.S) + s;

    private static int YIndex(Conv2dGeometry g, int n, int k, int p, int q) => (((n * g.K) + k) * g.P * g.Q) + (p * g.Q) + q;
}
