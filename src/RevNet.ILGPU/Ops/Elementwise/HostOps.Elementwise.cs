using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RevNet.ILGPU.Host;

/// <summary>Elementwise ops and channel copies: TensorPrimitives over contiguous ranges, split across cores.</summary>
internal sealed partial class HostOps
{
    /// <summary>A TensorPrimitives-style op over matching ranges of a, b and y.</summary>
    private delegate void SpanOp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y) => Primitive(a, b, y, TensorPrimitives.Add);

    /// <inheritdoc />
    public void Subtract(Tensor a, Tensor b, Tensor y) => Primitive(a, b, y, TensorPrimitives.Subtract);

    /// <inheritdoc />
    public void Multiply(Tensor a, Tensor b, Tensor y) => Primitive(a, b, y, TensorPrimitives.Multiply);

    /// <inheritdoc />
    public void Divide(Tensor a, Tensor b, Tensor y) => Primitive(a, b, y, TensorPrimitives.Divide);

    /// <inheritdoc />
    public void Axpy(float alpha, Tensor x, Tensor y) =>
        Primitive(x, y, y, (xs, ys, d) => TensorPrimitives.MultiplyAdd(xs, alpha, ys, d));

    /// <inheritdoc />
    public void ReluForward(Tensor x, Tensor y) => Primitive(x, x, y, (xs, _, d) => TensorPrimitives.Max(xs, 0f, d));

    /// <inheritdoc />
    public void ReluBackward(Tensor y, Tensor dy, Tensor dx) => Map<ReluBackwardMap>(y, dy, dx, 0f, 0f);

    /// <inheritdoc />
    public void ScaleAdd(Tensor x, float alpha, float beta, Tensor y) => Map<ScaleAddMap>(x, x, y, alpha, beta);

    /// <inheritdoc />
    public void Exp(Tensor x, Tensor y) => Primitive(x, x, y, (xs, _, d) => TensorPrimitives.Exp(xs, d));

    /// <inheritdoc />
    public void Sigmoid(Tensor x, Tensor y) => Primitive(x, x, y, (xs, _, d) => TensorPrimitives.Sigmoid(xs, d));

    /// <inheritdoc />
    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) => Map<SigmoidBackwardMap>(y, dy, dx, 0f, 0f);

    /// <inheritdoc />
    public void GridAdd(Tensor? x, Tensor branch, float sign, float magic, Tensor y)
    {
        if (x is null)
        {
            Map<GridRoundMap>(branch, branch, y, sign, magic);
        }
        else
        {
            Map<GridAddMap>(x, branch, y, sign, magic);
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

    /// <summary>Runs <paramref name="op"/> over ranges of the element count of y (y may alias a or b).</summary>
    private static unsafe void Primitive(Tensor a, Tensor b, Tensor y, SpanOp op)
    {
        fixed (float* pa = a.Span, pb = b.Span, py = y.Span)
        {
            float* xa = pa;
            float* xb = pb;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
                op(new ReadOnlySpan<float>(xa + s, e - s), new ReadOnlySpan<float>(xb + s, e - s), new Span<float>(xy + s, e - s)));
        }
    }

    /// <summary>
    /// Runs an elementwise map y[i] = f(a[i], b[i]; p, q) over the element count of y, split across cores, with the
    /// SIMD width of this machine. y may alias a or b: every element is read before it is written.
    /// </summary>
    private static unsafe void Map<TMap>(Tensor a, Tensor b, Tensor y, float p, float q)
        where TMap : struct, IMap
    {
        fixed (float* pa = a.Span, pb = b.Span, py = y.Span)
        {
            float* xa = pa;
            float* xb = pb;
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) =>
            {
                switch (SimdWidth)
                {
                    case 512:
                        MapRange<TMap, Simd512, Vector512<float>>(xa + s, xb + s, xy + s, e - s, p, q);
                        break;
                    case 256:
                        MapRange<TMap, Simd256, Vector256<float>>(xa + s, xb + s, xy + s, e - s, p, q);
                        break;
                    default:
                        MapRange<TMap, Simd128, Vector128<float>>(xa + s, xb + s, xy + s, e - s, p, q);
                        break;
                }
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MapRange<TMap, TS, TV>(float* a, float* b, float* y, int length, float p, float q)
        where TMap : struct, IMap
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        TV vp = TS.Splat(p);
        TV vq = TS.Splat(q);
        int i = 0;
        for (; i <= length - TS.Count; i += TS.Count)
        {
            TS.Store(TMap.Apply<TS, TV>(TS.Load(a + i), TS.Load(b + i), vp, vq), y + i);
        }

        for (; i < length; i++)
        {
            y[i] = TMap.Apply(a[i], b[i], p, q);
        }
    }

    /// <summary>The grid rounding fl(fl(v + magic) − magic) (see <see cref="ITensorOps.GridAdd"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Round<TS, TV>(TV v, TV magic)
        where TS : struct, ISimd<TV>
        where TV : struct => TS.Sub(TS.Add(v, magic), magic);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Round(float v, float magic) => (v + magic) - magic;

    /// <summary>An elementwise map f(a, b; p, q), once for vectors and once for the scalar tail (same bits).</summary>
    private interface IMap
    {
        static abstract TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct;

        static abstract float Apply(float a, float b, float p, float q);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0 (a = y, b = dy).</summary>
    private readonly struct ReluBackwardMap : IMap
    {
        public static TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct => TS.WherePositive(a, b);

        public static float Apply(float a, float b, float p, float q) => a > 0f ? b : 0f;
    }

    /// <summary>y = p·a + q, one rounding.</summary>
    private readonly struct ScaleAddMap : IMap
    {
        public static TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct => TS.Fma(a, p, q);

        public static float Apply(float a, float b, float p, float q) => MathF.FusedMultiplyAdd(a, p, q);
    }

    /// <summary>dx = dy·y·(1 − y) (a = y, b = dy).</summary>
    private readonly struct SigmoidBackwardMap : IMap
    {
        public static TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct => TS.Mul(TS.Mul(b, a), TS.Sub(TS.Splat(1f), a));

        public static float Apply(float a, float b, float p, float q) => b * a * (1f - a);
    }

    /// <summary>y = p·r(b) with r(v) = (v + q) − q, the grid rounding.</summary>
    private readonly struct GridRoundMap : IMap
    {
        public static TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct => TS.Mul(p, Round<TS, TV>(b, q));

        public static float Apply(float a, float b, float p, float q) => p * Round(b, q);
    }

    /// <summary>y = a + r(b) for p = 1, a − r(b) for p = −1.</summary>
    private readonly struct GridAddMap : IMap
    {
        public static TV Apply<TS, TV>(TV a, TV b, TV p, TV q)
            where TS : struct, ISimd<TV>
            where TV : struct => TS.Fma(p, Round<TS, TV>(b, q), a);

        public static float Apply(float a, float b, float p, float q) => MathF.FusedMultiplyAdd(p, Round(b, q), a);
    }
}
