using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Batch normalisation over [N, C, ...]. Per-channel sums are built from per-plane partial sums: each (n, c) plane
/// is summed by one worker with a fixed vector order (float lanes, the plane is short), the partials are added in
/// double in the order n = 0, 1, ... on one thread. Deterministic whatever the thread scheduling.
/// </summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public unsafe void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps)
    {
        (int n, int c, int plane) = Planes(x);
        double count = (double)n * plane;
        using Tensor partials = Workspace(n * c);
        Span<float> means = mean.Span;
        Span<float> invStds = invStd.Span;
        fixed (float* px = x.Span, pMean = means, pPartial = partials.Span)
        {
            {
                float* xx = px;
                float* xm = pMean;
                float* partial = pPartial;

                // Pass 1: mean.
                ParallelRanges(n * c, plane, (s, e) =>
                {
                    for (int pl = s; pl < e; pl++)
                    {
                        partial[pl] = SimdWidth switch
                        {
                            512 => PlaneSum<Simd512, Vector512<float>>(xx + ((long)pl * plane), plane),
                            256 => PlaneSum<Simd256, Vector256<float>>(xx + ((long)pl * plane), plane),
                            _ => PlaneSum<Simd128, Vector128<float>>(xx + ((long)pl * plane), plane),
                        };
                    }
                });
                for (int ch = 0; ch < c; ch++)
                {
                    means[ch] = (float)(SumOverBatch(partials.Span, n, c, ch) / count);
                }

                // Pass 2: centered sum of squares around the (float) mean.
                ParallelRanges(n * c, plane, (s, e) =>
                {
                    for (int pl = s; pl < e; pl++)
                    {
                        float m = xm[pl % c];
                        long off = (long)pl * plane;
                        partial[pl] = SimdWidth switch
                        {
                            512 => PlaneSquaredDeviation<Simd512, Vector512<float>>(xx + off, plane, m),
                            256 => PlaneSquaredDeviation<Simd256, Vector256<float>>(xx + off, plane, m),
                            _ => PlaneSquaredDeviation<Simd128, Vector128<float>>(xx + off, plane, m),
                        };
                    }
                });
                for (int ch = 0; ch < c; ch++)
                {
                    double variance = SumOverBatch(partials.Span, n, c, ch) / count;
                    invStds[ch] = (float)(1.0 / Math.Sqrt(variance + eps));
                }
            }
        }
    }

    /// <inheritdoc />
    public unsafe void BatchNormApply(
        Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu)
    {
        (int n, int c, int plane) = Planes(x);
        using Tensor scales = Workspace(c);
        Span<float> scale = scales.Span;
        ReadOnlySpan<float> gammas = gamma.Span;
        ReadOnlySpan<float> invStds = invStd.Span;
        for (int ch = 0; ch < c; ch++)
        {
            scale[ch] = gammas[ch] * invStds[ch];
        }

        fixed (float* px = x.Span, py = y.Span, pMean = mean.Span, pBeta = beta.Span, pScale = scale)
        {
            float* xx = px;
            float* xy = py;
            float* xm = pMean;
            float* xb = pBeta;
            float* xs = pScale;
            ParallelRanges(n * c, plane, (s, e) =>
            {
                for (int pl = s; pl < e; pl++)
                {
                    int ch = pl % c;
                    long off = (long)pl * plane;
                    switch (SimdWidth)
                    {
                        case 512:
                            PlaneAffine<Simd512, Vector512<float>>(
                                xx + off, xy + off, plane, xm[ch], xs[ch], xb[ch], relu);
                            break;
                        case 256:
                            PlaneAffine<Simd256, Vector256<float>>(
                                xx + off, xy + off, plane, xm[ch], xs[ch], xb[ch], relu);
                            break;
                        default:
                            PlaneAffine<Simd128, Vector128<float>>(
                                xx + off, xy + off, plane, xm[ch], xs[ch], xb[ch], relu);
                            break;
                    }
                }
            });
        }
    }

    /// <inheritdoc />
    public void BatchNormUpdateRunning(
        Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count)
    {
        ReadOnlySpan<float> means = mean.Span;
        ReadOnlySpan<float> invStds = invStd.Span;
        Span<float> rm = runningMean.Span;
        Span<float> rv = runningVar.Span;
        double unbias = count > 1 ? count / (double)(count - 1) : 1.0;
        for (int ch = 0; ch < means.Length; ch++)
        {
            double inv = invStds[ch];
            double variance = ((1.0 / (inv * inv)) - eps) * unbias;
            rm[ch] = (float)(((1.0 - momentum) * rm[ch]) + (momentum * (double)means[ch]));
            rv[ch] = (float)(((1.0 - momentum) * rv[ch]) + (momentum * variance));
        }
    }

    /// <inheritdoc />
    public void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd)
    {
        ReadOnlySpan<float> rv = runningVar.Span;
        Span<float> inv = invStd.Span;
        for (int ch = 0; ch < rv.Length; ch++)
        {
            inv[ch] = (float)(1.0 / Math.Sqrt((double)rv[ch] + eps));
        }
    }

    /// <inheritdoc />
    public unsafe void BatchNormBackward(
        Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta)
    {
        (int n, int c, int plane) = Planes(x);
        double count = (double)n * plane;
        // Per plane: Σ dy, then Σ dy·(x − mean); per channel: k1 = gamma·invStd, a = Σdy/m, b = invStd·Σdy·xhat/m,
        // so dx = k1·(dy − a − (x − mean)·b).
        using Tensor ws = Workspace((2 * n * c) + (3 * c));
        Span<float> sumDy = ws.Span[..(n * c)];
        Span<float> sumDyXc = ws.Span.Slice(n * c, n * c);
        Span<float> coef = ws.Span[(2 * n * c)..];
        {
            ReadOnlySpan<float> invStds = invStd.Span;
            ReadOnlySpan<float> gammas = gamma.Span;
            Span<float> dgammas = dgamma.Span;
            Span<float> dbetas = dbeta.Span;
            fixed (float* px = x.Span, pdy = dy.Span, pdx = dx.Span, pMean = mean.Span, pCoef = coef, pSums = ws.Span)
            {
                float* sums = pSums;
                float* xx = px;
                float* xdy = pdy;
                float* xdx = pdx;
                float* xm = pMean;
                float* xc = pCoef;

                // Pass 1: Σ dy and Σ dy·(x − mean) per plane.
                ParallelRanges(n * c, 2L * plane, (s, e) =>
                {
                    for (int pl = s; pl < e; pl++)
                    {
                        long off = (long)pl * plane;
                        float m = xm[pl % c];
                        (float sd, float sdx) = SimdWidth switch
                        {
                            512 => PlaneGradientSums<Simd512, Vector512<float>>(xx + off, xdy + off, plane, m),
                            256 => PlaneGradientSums<Simd256, Vector256<float>>(xx + off, xdy + off, plane, m),
                            _ => PlaneGradientSums<Simd128, Vector128<float>>(xx + off, xdy + off, plane, m),
                        };
                        sums[pl] = sd;
                        sums[(n * c) + pl] = sdx;
                    }
                });

                for (int ch = 0; ch < c; ch++)
                {
                    double inv = invStds[ch];
                    double dbetaBatch = SumOverBatch(sumDy, n, c, ch);
                    double dgammaBatch = SumOverBatch(sumDyXc, n, c, ch) * inv;
                    dgammas[ch] += (float)dgammaBatch;
                    dbetas[ch] += (float)dbetaBatch;
                    coef[3 * ch] = (float)(gammas[ch] * inv);
                    coef[(3 * ch) + 1] = (float)(dbetaBatch / count);
                    coef[(3 * ch) + 2] = (float)(inv * dgammaBatch / count);
                }

                // Pass 2: dx per plane.
                ParallelRanges(n * c, 2L * plane, (s, e) =>
                {
                    for (int pl = s; pl < e; pl++)
                    {
                        long off = (long)pl * plane;
                        int ch = pl % c;
                        float m = xm[ch];
                        float k1 = xc[3 * ch];
                        float a = xc[(3 * ch) + 1];
                        float b = xc[(3 * ch) + 2];
                        switch (SimdWidth)
                        {
                            case 512:
                                PlaneBatchNormDx<Simd512, Vector512<float>>(
                                    xx + off, xdy + off, xdx + off, plane, m, k1, a, b);
                                break;
                            case 256:
                                PlaneBatchNormDx<Simd256, Vector256<float>>(
                                    xx + off, xdy + off, xdx + off, plane, m, k1, a, b);
                                break;
                            default:
                                PlaneBatchNormDx<Simd128, Vector128<float>>(
                                    xx + off, xdy + off, xdx + off, plane, m, k1, a, b);
                                break;
                        }
                    }
                });
            }
        }
    }

    /// <summary>Σ_n partial[n·C + ch], in order of n.</summary>
    private static double SumOverBatch(ReadOnlySpan<float> partial, int n, int c, int ch)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += partial[(i * c) + ch];
        }

        return sum;
    }

    /// <summary>Σ (p[i] − mean)² with two vector accumulators, combined in a fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float PlaneSquaredDeviation<TS, TV>(float* p, int length, float mean)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int width = TS.Count;
        TV m = TS.Splat(mean);
        TV a0 = TS.Splat(0f);
        TV a1 = a0;
        int i = 0;
        for (; i <= length - (2 * width); i += 2 * width)
        {
            TV d0 = TS.Sub(TS.Load(p + i), m);
            TV d1 = TS.Sub(TS.Load(p + i + width), m);
            a0 = TS.Fma(d0, d0, a0);
            a1 = TS.Fma(d1, d1, a1);
        }

        for (; i <= length - width; i += width)
        {
            TV d = TS.Sub(TS.Load(p + i), m);
            a0 = TS.Fma(d, d, a0);
        }

        float sum = TS.Sum(TS.Add(a0, a1));
        for (; i < length; i++)
        {
            float d = p[i] - mean;
            sum = MathF.FusedMultiplyAdd(d, d, sum);
        }

        return sum;
    }

    /// <summary>y = max?((x − mean)·scale + shift, 0) over one plane (y may alias x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PlaneAffine<TS, TV>(
        float* x, float* y, int length, float mean, float scale, float shift, bool relu)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        TV m = TS.Splat(mean);
        TV sc = TS.Splat(scale);
        TV sh = TS.Splat(shift);
        int i = 0;
        if (relu)
        {
            for (; i <= length - TS.Count; i += TS.Count)
            {
                TS.Store(TS.Relu(TS.Fma(TS.Sub(TS.Load(x + i), m), sc, sh)), y + i);
            }

            for (; i < length; i++)
            {
                y[i] = MathF.Max(MathF.FusedMultiplyAdd(x[i] - mean, scale, shift), 0f);
            }
        }
        else
        {
            for (; i <= length - TS.Count; i += TS.Count)
            {
                TS.Store(TS.Fma(TS.Sub(TS.Load(x + i), m), sc, sh), y + i);
            }

            for (; i < length; i++)
            {
                y[i] = MathF.FusedMultiplyAdd(x[i] - mean, scale, shift);
            }
        }
    }

    /// <summary>(Σ dy, Σ dy·(x − mean)) over one plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (float SumDy, float SumDyXc) PlaneGradientSums<TS, TV>(
        float* x, float* dy, int length, float mean)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int width = TS.Count;
        TV m = TS.Splat(mean);
        TV s0 = TS.Splat(0f);
        TV s1 = s0;
        TV t0 = s0;
        TV t1 = s0;
        int i = 0;
        for (; i <= length - (2 * width); i += 2 * width)
        {
            TV g0 = TS.Load(dy + i);
            TV g1 = TS.Load(dy + i + width);
            s0 = TS.Add(s0, g0);
            s1 = TS.Add(s1, g1);
            t0 = TS.Fma(g0, TS.Sub(TS.Load(x + i), m), t0);
            t1 = TS.Fma(g1, TS.Sub(TS.Load(x + i + width), m), t1);
        }

        for (; i <= length - width; i += width)
        {
            TV g = TS.Load(dy + i);
            s0 = TS.Add(s0, g);
            t0 = TS.Fma(g, TS.Sub(TS.Load(x + i), m), t0);
        }

        float sumDy = TS.Sum(TS.Add(s0, s1));
        float sumDyXc = TS.Sum(TS.Add(t0, t1));
        for (; i < length; i++)
        {
            sumDy += dy[i];
            sumDyXc = MathF.FusedMultiplyAdd(dy[i], x[i] - mean, sumDyXc);
        }

        return (sumDy, sumDyXc);
    }

    /// <summary>dx = k1·(dy − a − (x − mean)·b) over one plane (dx may alias dy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PlaneBatchNormDx<TS, TV>(
        float* x, float* dy, float* dx, int length, float mean, float k1, float a, float b)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        TV vm = TS.Splat(mean);
        TV vk = TS.Splat(k1);
        TV va = TS.Splat(a);
        TV vb = TS.Splat(b);
        int i = 0;
        for (; i <= length - TS.Count; i += TS.Count)
        {
            TV xc = TS.Sub(TS.Load(x + i), vm);
            TV u = TS.Fnma(xc, vb, TS.Sub(TS.Load(dy + i), va));
            TS.Store(TS.Mul(u, vk), dx + i);
        }

        for (; i < length; i++)
        {
            float u = MathF.FusedMultiplyAdd(-(x[i] - mean), b, dy[i] - a);
            dx[i] = u * k1;
        }
    }
}
