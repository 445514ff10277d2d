using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Dimensions of a pooling kernel: <see cref="Count"/> work items (output elements, input elements, or planes,
/// depending on the kernel) over a grid-stride loop, and the input's H and W.
/// </summary>
/// <param name="Count">Work items.</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
internal readonly record struct PoolDims(int Count, int Stride, int H, int W);

/// <summary>2x2 average pooling (stride 2) and global average pooling, forward and backward.</summary>
internal static class PoolingKernels
{
    /// <summary>
    /// y[plane, i, j] = mean of x[plane, 2i..2i+1, 2j..2j+1]; one thread per output element; Count = N·C·H/2·W/2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgPool2x2Forward(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolDims d)
    {
        int ho = d.H / 2;
        int wo = d.W / 2;
        int outPlane = ho * wo;
        for (int o = index; o < d.Count; o += d.Stride)
        {
            int plane = o / outPlane;
            int rest = o - (plane * outPlane);
            int i = rest / wo;
            int j = rest - (i * wo);
            int top = (((plane * d.H) + (2 * i)) * d.W) + (2 * j);
            y[o] = ((x[top] + x[top + 1]) + (x[top + d.W] + x[top + d.W + 1])) * 0.25f;
        }
    }

    /// <summary>dx[plane, h, w] = dy[plane, h/2, w/2] / 4; one thread per input element; Count = N·C·H·W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AvgPool2x2Backward(Index1D index, ArrayView<float> dy, ArrayView<float> dx, PoolDims d)
    {
        int wo = d.W / 2;
        int inPlane = d.H * d.W;
        int outPlane = (d.H / 2) * wo;
        for (int e = index; e < d.Count; e += d.Stride)
        {
            int plane = e / inPlane;
            int rest = e - (plane * inPlane);
            int h = rest / d.W;
            int w = rest - (h * d.W);
            dx[e] = dy[(plane * outPlane) + ((h / 2) * wo) + (w / 2)] * 0.25f;
        }
    }

    /// <summary>y[plane] = mean of x[plane, :, :]; one thread per (n, c) plane, summed in order; Count = N·C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAvgPoolForward(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolDims d)
    {
        int size = d.H * d.W;
        float inv = 1f / size;
        for (int p = index; p < d.Count; p += d.Stride)
        {
            int start = p * size;
            float sum = 0f;
            for (int t = 0; t < size; t++)
            {
                sum += x[start + t];
            }

            y[p] = sum * inv;
        }
    }

    /// <summary>dx[plane, h, w] = dy[plane] / (H·W); one thread per input element; Count = N·C·H·W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAvgPoolBackward(Index1D index, ArrayView<float> dy, ArrayView<float> dx, PoolDims d)
    {
        int size = d.H * d.W;
        float inv = 1f / size;
        for (int e = index; e < d.Count; e += d.Stride)
        {
            dx[e] = dy[e / size] * inv;
        }
    }
}
