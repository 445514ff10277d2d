using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>2x2 average pooling and global average pooling, parallel over (n, c) planes.</summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public unsafe void AvgPool2x2Forward(Tensor x, Tensor y)
    {
        int planes = x.Shape[0] * x.Shape[1];
        int h = x.Shape[2];
        int w = x.Shape[3];
        int ho = h / 2;
        int wo = w / 2;
        fixed (float* px = x.Span, py = y.Span)
        {
            float* xx = px;
            float* xy = py;
            ParallelRanges(planes, (long)h * w, (s, e) =>
                AvgPool2x2Planes(xx + ((long)s * h * w), xy + ((long)s * ho * wo), (long)(e - s) * ho, w));
        }
    }

    /// <inheritdoc />
    public unsafe void AvgPool2x2Backward(Tensor dy, Tensor dx)
    {
        int planes = dx.Shape[0] * dx.Shape[1];
        int h = dx.Shape[2];
        int w = dx.Shape[3];
        int ho = h / 2;
        int wo = w / 2;
        fixed (float* pdy = dy.Span, pdx = dx.Span)
        {
            float* xdy = pdy;
            float* xdx = pdx;
            ParallelRanges(planes, (long)h * w, (s, e) =>
                AvgPool2x2BackwardPlanes(xdy + ((long)s * ho * wo), xdx + ((long)s * h * w), (long)(e - s) * ho, w));
        }
    }

    /// <inheritdoc />
    public unsafe void GlobalAvgPoolForward(Tensor x, Tensor y)
    {
        (int n, int c, int plane) = Planes(x);
        fixed (float* px = x.Span, py = y.Span)
        {
            float* xx = px;
            float* xy = py;
            ParallelRanges(n * c, plane, (s, e) =>
            {
                for (int pl = s; pl < e; pl++)
                {
                    float sum = SimdWidth switch
                    {
                        512 => PlaneSum<Simd512, Vector512<float>>(xx + ((long)pl * plane), plane),
                        256 => PlaneSum<Simd256, Vector256<float>>(xx + ((long)pl * plane), plane),
                        _ => PlaneSum<Simd128, Vector128<float>>(xx + ((long)pl * plane), plane),
                    };
                    xy[pl] = sum / plane;
                }
            });
        }
    }

    /// <inheritdoc />
    public unsafe void GlobalAvgPoolBackward(Tensor dy, Tensor dx)
    {
        (int n, int c, int plane) = Planes(dx);
        fixed (float* pdy = dy.Span, pdx = dx.Span)
        {
            float* xdy = pdy;
            float* xdx = pdx;
            ParallelRanges(n * c, plane, (s, e) =>
            {
                for (int pl = s; pl < e; pl++)
                {
                    new Span<float>(xdx + ((long)pl * plane), plane).Fill(xdy[pl] / plane);
                }
            });
        }
    }

    /// <summary>
    /// y = mean of each 2x2 block. Consecutive planes of even height stack into one tall plane, so this walks
    /// <paramref name="outRows"/> output rows of width w/2, each from two input rows of width w.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AvgPool2x2Planes(float* x, float* y, long outRows, int w)
    {
        int wo = w / 2;
        for (long i = 0; i < outRows; i++)
        {
            float* r0 = x + (2 * i * w);
            float* r1 = r0 + w;
            float* o = y + (i * wo);
            for (int j = 0; j < wo; j++)
            {
                o[j] = 0.25f * ((r0[2 * j] + r0[(2 * j) + 1]) + (r1[2 * j] + r1[(2 * j) + 1]));
            }
        }
    }

    /// <summary>dx = dy/4 spread over each 2x2 block, for <paramref name="outRows"/> rows of dy (width w/2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AvgPool2x2BackwardPlanes(float* dy, float* dx, long outRows, int w)
    {
        int wo = w / 2;
        for (long i = 0; i < outRows; i++)
        {
            float* g = dy + (i * wo);
            float* r0 = dx + (2 * i * w);
            float* r1 = r0 + w;
            for (int j = 0; j < wo; j++)
            {
                float v = 0.25f * g[j];
                r0[2 * j] = v;
                r0[(2 * j) + 1] = v;
                r1[2 * j] = v;
                r1[(2 * j) + 1] = v;
            }
        }
    }

    /// <summary>Σ p[0..length) with four vector accumulators, combined in a fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float PlaneSum<TS, TV>(float* p, int length)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int width = TS.Count;
        TV a0 = TS.Splat(0f);
        TV a1 = a0;
        TV a2 = a0;
        TV a3 = a0;
        int i = 0;
        for (; i <= length - (4 * width); i += 4 * width)
        {
            a0 = TS.Add(a0, TS.Load(p + i));
            a1 = TS.Add(a1, TS.Load(p + i + width));
            a2 = TS.Add(a2, TS.Load(p + i + (2 * width)));
            a3 = TS.Add(a3, TS.Load(p + i + (3 * width)));
        }

        for (; i <= length - width; i += width)
        {
            a0 = TS.Add(a0, TS.Load(p + i));
        }

        float sum = TS.Sum(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)));
        for (; i < length; i++)
        {
            sum += p[i];
        }

        return sum;
    }
}
