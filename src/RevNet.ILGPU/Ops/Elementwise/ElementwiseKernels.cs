using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Launch arguments of an elementwise kernel: <see cref="Count"/> elements covered by a grid-stride loop of
/// <see cref="Stride"/> threads, and one scalar (the fill value or axpy's alpha).
/// </summary>
/// <param name="Count">Elements to process.</param>
/// <param name="Stride">Threads launched; thread t handles t, t + Stride, ...</param>
/// <param name="Scalar">The fill value, the axpy or scale factor, or the sign of a grid add.</param>
/// <param name="Shift">The added constant of a scale-and-add, or the magic number of the grid rounding.</param>
internal readonly record struct ElementwiseArgs(int Count, int Stride, float Scalar, float Shift = 0f);

/// <summary>
/// Elementwise ops over flat tensors: fill, add, subtract, multiply, divide, axpy, scale-and-add, exp, sigmoid,
/// ReLU, the grid rounding and the grid add of couplings. Every kernel is a
/// grid-stride loop (coalesced on a GPU; a handful of threads with long loops on the CPU simulator). Outputs may
/// alias inputs because each element is read and written by the same thread.
/// </summary>
internal static class ElementwiseKernels
{
    /// <summary>y[i] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(Index1D index, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            y[i] = a.Scalar;
        }
    }

    /// <summary>y[i] = a[i] + b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(
        Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ElementwiseArgs args)
    {
        for (int i = index; i < args.Count; i += args.Stride)
        {
            y[i] = a[i] + b[i];
        }
    }

    /// <summary>y[i] = a[i] − b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(
        Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ElementwiseArgs args)
    {
        for (int i = index; i < args.Count; i += args.Stride)
        {
            y[i] = a[i] - b[i];
        }
    }

    /// <summary>y[i] += alpha·x[i] (y is read and written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(Index1D index, ArrayView<float> x, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            y[i] += a.Scalar * x[i];
        }
    }

    /// <summary>y[i] = max(x[i], 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluForward(Index1D index, ArrayView<float> x, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float v = x[i];
            y[i] = v > 0f ? v : 0f;
        }
    }

    /// <summary>dx[i] = y[i] &gt; 0 ? dy[i] : 0, with y the ReLU output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(
        Index1D index, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }

    /// <summary>y[i] = a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(
        Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ElementwiseArgs args)
    {
        for (int i = index; i < args.Count; i += args.Stride)
        {
            y[i] = a[i] * b[i];
        }
    }

    /// <summary>y[i] = a[i] / b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Divide(
        Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ElementwiseArgs args)
    {
        for (int i = index; i < args.Count; i += args.Stride)
        {
            y[i] = a[i] / b[i];
        }
    }

    /// <summary>y[i] = Scalar·x[i] + Shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleAdd(Index1D index, ArrayView<float> x, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            y[i] = (a.Scalar * x[i]) + a.Shift;
        }
    }

    /// <summary>y[i] = exp(x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Exp(Index1D index, ArrayView<float> x, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            y[i] = MathF.Exp(x[i]);
        }
    }

    /// <summary>y[i] = 1 / (1 + exp(−x[i])).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(Index1D index, ArrayView<float> x, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            y[i] = 1f / (1f + MathF.Exp(-x[i]));
        }
    }

    /// <summary>dx[i] = dy[i]·y[i]·(1 − y[i]), with y the sigmoid output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward(
        Index1D index, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float v = y[i];
            dx[i] = dy[i] * v * (1f - v);
        }
    }

    /// <summary>y[i] = Scalar·r(branch[i]), r(v) = (v + Shift) − Shift: the grid rounding with a magic number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GridRound(Index1D index, ArrayView<float> branch, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float shifted = branch[i] + a.Shift;
            y[i] = a.Scalar * (shifted - a.Shift);
        }
    }

    /// <summary>y[i] = x[i] ± r(branch[i]) (the sign is Scalar = ±1), r as in <see cref="GridRound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GridAdd(
        Index1D index, ArrayView<float> x, ArrayView<float> branch, ArrayView<float> y, ElementwiseArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float shifted = branch[i] + a.Shift;
            float r = shifted - a.Shift;
            y[i] = a.Scalar > 0f ? x[i] + r : x[i] - r;
        }
    }
}
