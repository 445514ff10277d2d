using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RevNet.ILGPU.Host;

/// <summary>Elementwise ops and channel copies: TensorPrimitives over contiguous ranges, split across cores.</summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public unsafe void Add(Tensor a, Tensor b, Tensor y)
    {
        fixed (float* pa = a.Span, pb = b.Span, py = y.Span)
        {
            float* xa = pa;
            float* xb = pb;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
                TensorPrimitives.Add(Read(xa, s, e), Read(xb, s, e), Write(xy, s, e)));
        }
    }

    /// <inheritdoc />
    public unsafe void Subtract(Tensor a, Tensor b, Tensor y)
    {
        fixed (float* pa = a.Span, pb = b.Span, py = y.Span)
        {
            float* xa = pa;
            float* xb = pb;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
                TensorPrimitives.Subtract(Read(xa, s, e), Read(xb, s, e), Write(xy, s, e)));
        }
    }

    /// <inheritdoc />
    public unsafe void Axpy(float alpha, Tensor x, Tensor y)
    {
        fixed (float* px = x.Span, py = y.Span)
        {
            float* xx = px;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
                TensorPrimitives.MultiplyAdd(Read(xx, s, e), alpha, Read(xy, s, e), Write(xy, s, e)));
        }
    }

    /// <inheritdoc />
    public unsafe void ReluForward(Tensor x, Tensor y)
    {
        fixed (float* px = x.Span, py = y.Span)
        {
            float* xx = px;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
                TensorPrimitives.Max(Read(xx, s, e), 0f, Write(xy, s, e)));
        }
    }

    /// <inheritdoc />
    public unsafe void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        fixed (float* py = y.Span, pdy = dy.Span, pdx = dx.Span)
        {
            float* xy = py;
            float* xdy = pdy;
            float* xdx = pdx;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
            {
                switch (SimdWidth)
                {
                    case 512:
                        ReluBackwardKernel<Simd512, Vector512<float>>(xy + s, xdy + s, xdx + s, e - s);
                        break;
                    case 256:
                        ReluBackwardKernel<Simd256, Vector256<float>>(xy + s, xdy + s, xdx + s, e - s);
                        break;
                    default:
                        ReluBackwardKernel<Simd128, Vector128<float>>(xy + s, xdy + s, xdx + s, e - s);
                        break;
                }
            });
        }
    }

    /// <inheritdoc />
    public unsafe void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        // Within one sample the channels are contiguous, so each sample is one block copy.
        (int n, int srcC, int plane) = Planes(src);
        int dstC = dst.Shape[1];
        int block = count * plane;
        fixed (float* ps = src.Span, pd = dst.Span)
        {
            float* xs = ps + ((long)srcOffset * plane);
            float* xd = pd + ((long)dstOffset * plane);
            ParallelRanges(n, block, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    new ReadOnlySpan<float>(xs + ((long)i * srcC * plane), block)
                        .CopyTo(new Span<float>(xd + ((long)i * dstC * plane), block));
                }
            });
        }
    }

    private static unsafe ReadOnlySpan<float> Read(float* p, int start, int end) => new(p + start, end - start);

    private static unsafe Span<float> Write(float* p, int start, int end) => new(p + start, end - start);

    /// <summary>dx = y &gt; 0 ? dy : 0 (dx may alias dy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ReluBackwardKernel<TS, TV>(float* y, float* dy, float* dx, int length)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        int i = 0;
        for (; i <= length - TS.Count; i += TS.Count)
        {
            TS.Store(TS.WherePositive(TS.Load(y + i), TS.Load(dy + i)), dx + i);
        }

        for (; i < length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }
}
