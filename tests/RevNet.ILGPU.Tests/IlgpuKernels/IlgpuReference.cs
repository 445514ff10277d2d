using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>
/// Plain double-precision loops, written straight from the op definitions, that the ILGPU kernels are checked
/// against. Deliberately naive: no window precomputation, every tap bounds-checked.
/// </summary>
internal static class IlgpuReference
{
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

                        y[(((((n * g.K) + k) * g.P) + p) * g.Q) + q] = sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>dx and dw of conv by scattering every output gradient to the taps it came from.</summary>
    public static (double[] Dx, double[] Dw) ConvBackward(float[] x, float[] w, float[] dy, Conv2dGeometry g)
    {
        double[] dx = new double[x.Length];
        double[] dw = new double[w.Length];
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        double grad = dy[(((((n * g.K) + k) * g.P) + p) * g.Q) + q];
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
                                        dx[XIndex(g, n, c, h, ww)] += grad * w[WIndex(g, k, c, r, s)];
                                        dw[WIndex(g, k, c, r, s)] += grad * x[XIndex(g, n, c, h, ww)];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return (dx, dw);
    }

    /// <summary>Per-channel mean and biased variance of x [N, C, plane].</summary>
    public static (double[] Mean, double[] Var) Moments(float[] x, int n, int c, int plane)
    {
        double[] mean = new double[c];
        double[] variance = new double[c];
        double m = (double)n * plane;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < plane; t++)
                {
                    sum += x[(((b * c) + ch) * plane) + t];
                }
            }

            mean[ch] = sum / m;
            double sq = 0;
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < plane; t++)
                {
                    double d = x[(((b * c) + ch) * plane) + t] - mean[ch];
                    sq += d * d;
                }
            }

            variance[ch] = sq / m;
        }

        return (mean, variance);
    }

    private static int XIndex(Conv2dGeometry g, int n, int c, int h, int w) =>
        (((((n * g.C) + c) * g.H) + h) * g.W) + w;

    private static int WIndex(Conv2dGeometry g, int k, int c, int r, int s) =>
        (((((k * g.C) + c) * g.R) + r) * g.S) + s;
}
