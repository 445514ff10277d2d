using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Host;

/// <summary>2-D convolution on the CPU (NCHW, cross-correlation, zero padding, no bias).</summary>
internal static class HostConv2d
{
    /// <summary>y = conv(x, w); y overwritten.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Conv2dGeometry g)
    {
        // TEMPORARY naive reference form; replaced by im2col/implicit GEMM over HostGemm.
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        float sum = 0f;
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int r = 0; r < g.R; r++)
                            {
                                int h = (p * g.StrideH) + r - g.PadH;
                                if ((uint)h >= (uint)g.H)
                                {
                                    continue;
                                }

                                for (int s = 0; s < g.S; s++)
                                {
                                    int ww = (q * g.StrideW) + s - g.PadW;
                                    if ((uint)ww < (uint)g.W)
                                    {
                                        sum += x[(((n * g.C) + c) * g.H * g.W) + (h * g.W) + ww]
                                            * w[(((k * g.C) + c) * g.R * g.S) + (r * g.S) + s];
                                    }
                                }
                            }
                        }

                        y[(((n * g.K) + k) * g.P * g.Q) + (p * g.Q) + q] = sum;
                    }
                }
            }
        }
    }

    /// <summary>dx = ∂L/∂x given dy; dx overwritten.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Conv2dGeometry g)
    {
        dx.Clear();
        for (int n = 0; n < g.N; n++)
        {
            for (int k = 0; k < g.K; k++)
            {
                for (int p = 0; p < g.P; p++)
                {
                    for (int q = 0; q < g.Q; q++)
                    {
                        float d = dy[(((n * g.K) + k) * g.P * g.Q) + (p * g.Q) + q];
                        for (int c = 0; c < g.C; c++)
                        {
                            for (int r = 0; r < g.R; r++)
                            {
                                int h = (p * g.StrideH) + r - g.PadH;
                                if ((uint)h >= (uint)g.H)
                                {
                                    continue;
                                }

                                for (int s = 0; s < g.S; s++)
                                {
                                    int ww = (q * g.StrideW) + s - g.PadW;
                                    if ((uint)ww < (uint)g.W)
                                    {
                                        dx[(((n * g.C) + c) * g.H * g.W) + (h * g.W) + ww] +=
                                            d * w[(((k * g.C) + c) * g.R * g.S) + (r * g.S) + s];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>dw += ∂L/∂w given x and dy (accumulates).</summary>
    public static void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Conv2dGeometry g)
    {
        for (int k = 0; k < g.K; k++)
        {
            for (int c = 0; c < g.C; c++)
            {
                for (int r = 0; r < g.R; r++)
                {
                    for (int s = 0; s < g.S; s++)
                    {
                        float sum = 0f;
                        for (int n = 0; n < g.N; n++)
                        {
                            for (int p = 0; p < g.P; p++)
                            {
                                int h = (p * g.StrideH) + r - g.PadH;
                                if ((uint)h >= (uint)g.H)
                                {
                                    continue;
                                }

                                for (int q = 0; q < g.Q; q++)
                                {
                                    int ww = (q * g.StrideW) + s - g.PadW;
                                    if ((uint)ww < (uint)g.W)
                                    {
                                        sum += dy[(((n * g.K) + k) * g.P * g.Q) + (p * g.Q) + q]
                                            * x[(((n * g.C) + c) * g.H * g.W) + (h * g.W) + ww];
                                    }
                                }
                            }
                        }

                        dw[(((k * g.C) + c) * g.R * g.S) + (r * g.S) + s] += sum;
                    }
                }
            }
        }
    }
}
