using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Launch arguments of an elementwise kernel: <see cref="Count"/> elements covered by a grid-stride loop of
/// <see cref="Stride"/> threads, and one scalar (the fill value or axpy's alpha).
/// </summary>
/// <param name="Count">Elements to process.</param>
/// <param name="Stride">Threads launched; thread t handles t, t + Stride, ...</param>
/// <param name="Scalar">The fill value or the axpy factor.</param>
internal readonly record struct ElementwiseArgs(int Count, int Stride, float Scalar);

/// <summary>
/// Elementwise ops over flat tensors: fill, add, subtract, axpy, ReLU forward and backward. Every kernel is a
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
}
