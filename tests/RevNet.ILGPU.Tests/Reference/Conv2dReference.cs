using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Tests.Reference;

/// <summary>
/// Double-precision direct convolution (cross-correlation, zero padding, no bias) and its two gradients, as seven
/// nested loops. x [N, C, H, W], w [K, C, R, S], y [N, K, P, Q]; input row = p·strideH + r − padH.
/// </summary>
public static class Conv2dReference
{
    /// <summary>y[n,k,p,q] = Σ_c,r,s w[k,c,r,s]·x[n,c,p·sh+r−ph,q·sw+s−pw] (out-of-range x reads as 0).</summary>
    public static double[] Forward(double[] x, double[] w, Conv2dGeometry g)
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
                                int ih = (p * g.StrideH) + r - g.PadH;
                                if (ih < 0 || ih >= g.H)
                                {
                                    continue;
                                }

                                for (int s = 0; s < g.S; s++)
                                {
                                    int iw = (q * g.StrideW) + s - g.PadW;
                                    if (iw < 0 || iw >= g.W)
                                    {
                                        continue;
                                    }

                                    sum += w[WIndex(g, k, c, r, s)] * x[XIndex(g, n, c, ih, iw)];
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

    /// <summary>dx = ∂(Σ dy ⊙ y)/∂x: each dy element scatters w into the input window it read (dx is fresh).</summary>
    public static double[] BackwardInput(double[] dy, double[] w, Conv2dGeometry g)
    {
        double[] dx = new double[g.N * g.C * g.H * g.W];
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        double d = dy[YIndex(g, n, k, p, q)];
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int r = 0; r < g.R; r++)
                            {
                                int ih = (p * g.StrideH) + r - g.PadH;
                                if (ih < 0 || ih >= g.H)
                                {
                                    continue;
                                }

                                for (int s = 0; s < g.S; s++)
                                {
                                    int iw = (q * g.StrideW) + s - g.PadW;
                                    if (iw >= 0 && iw < g.W)
                                    {
                                        dx[XIndex(g, n, c, ih, iw)] += d * w[WIndex(g, k, c, r, s)];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return dx;
    }

    /// <summary>dw[k,c,r,s] += Σ_n,p,q dy[n,k,p,q]·x[n,c,p·sh+r−ph,q·sw+s−pw] (accumulates into dw).</summary>
    public static void BackwardWeight(double[] x, double[] dy, double[] dw, Conv2dGeometry g)
    {
        for (int k = 0; k < g.K; k++)
        {
            for (int c = 0; c < g.C; c++)
            {
                for (int r = 0; r < g.R; r++)
                {
                    for (int s = 0; s < g.S; s++)
                    {
                        double sum = 0;
                        for (int n = 0; n < g.N; n++)
                        {
                            for (int p = 0; p < g.P; p++)
                            {
                                int ih = (p * g.StrideH) + r - g.PadH;
                                if (ih < 0 || ih >= g.H)
                                {
                                    continue;
                                }

                                for (int q = 0; q < g.Q; q++)
                                {
                                    int iw = (q * g.StrideW) + s - g.PadW;
                                    if (iw >= 0 && iw < g.W)
                                    {
                                        sum += dy[YIndex(g, n, k, p, q)] * x[XIndex(g, n, c, ih, iw)];
                                    }
                                }
                            }
                        }

                        dw[WIndex(g, k, c, r, s)] += sum;
                    }
                }
            }
        }
    }

    private static int XIndex(Conv2dGeometry g, int n, int c, int h, int w) =>
        (((((n * g.C) + c) * g.H) + h) * g.W) + w;

    private static int WIndex(Conv2dGeometry g, int k, int c, int r, int s) =>
        (((((k * g.C) + c) * g.R) + r) * g.S) + s;

    private static int YIndex(Conv2dGeometry g, int n, int k, int p, int q) =>
        (((((n * g.K) + k) * g.P) + p) * g.Q) + q;
}
