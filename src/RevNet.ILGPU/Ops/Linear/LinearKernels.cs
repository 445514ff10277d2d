using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>Dimensions of a fully connected layer: x [N, In], w [Out, In], b [Out], y [N, Out].</summary>
/// <param name="Count">Work items (outputs, input elements, or weights plus biases, depending on the kernel).</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="N">Batch size.</param>
/// <param name="In">Input features.</param>
/// <param name="Out">Output features.</param>
internal readonly record struct LinearDims(int Count, int Stride, int N, int In, int Out);

/// <summary>
/// Fully connected layer, forward and backward. One thread per output value with a loop over the reduced dimension
/// in a fixed order; weight and bias gradients accumulate, the input gradient is overwritten.
/// </summary>
internal static class LinearKernels
{
    /// <summary>y[n, o] = b[o] + Σ_i x[n, i]·w[o, i]; Count = N·Out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, LinearDims d)
    {
        for (int e = index; e < d.Count; e += d.Stride)
        {
            int n = e / d.Out;
            int o = e - (n * d.Out);
            int xRow = n * d.In;
            int wRow = o * d.In;
            float sum = 0f;
            for (int i = 0; i < d.In; i++)
            {
                sum += x[xRow + i] * w[wRow + i];
            }

            y[e] = sum + b[o];
        }
    }

    /// <summary>dx[n, i] = Σ_o dy[n, o]·w[o, i] (overwritten); Count = N·In.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(
        Index1D index, ArrayView<float> w, ArrayView<float> dy, ArrayView<float> dx, LinearDims d)
    {
        for (int e = index; e < d.Count; e += d.Stride)
        {
            int n = e / d.In;
            int i = e - (n * d.In);
            int dyRow = n * d.Out;
            float sum = 0f;
            for (int o = 0; o < d.Out; o++)
            {
                sum += dy[dyRow + o] * w[(o * d.In) + i];
            }

            dx[e] = sum;
        }
    }

    /// <summary>
    /// Items below Out·In: dw[o, i] += Σ_n dy[n, o]·x[n, i]; the last Out items: db[o] += Σ_n dy[n, o];
    /// Count = Out·In + Out. Each sum runs over the batch in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, LinearDims d)
    {
        int weights = d.Out * d.In;
        for (int e = index; e < d.Count; e += d.Stride)
        {
            float sum = 0f;
            if (e < weights)
            {
                int o = e / d.In;
                int i = e - (o * d.In);
                for (int n = 0; n < d.N; n++)
                {
                    sum += dy[(n * d.Out) + o] * x[(n * d.In) + i];
                }

                dw[e] += sum;
            }
            else
            {
                int o = e - weights;
                for (int n = 0; n < d.N; n++)
                {
                    sum += dy[(n * d.Out) + o];
                }

                db[o] += sum;
            }
        }
    }

    /// <summary>db[o] += Σ_n dy[n, o], the sum over the batch in order (the bias half of
    /// <see cref="BackwardWeight"/>, beside the tiled weight gradient); Count = Out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardBias(Index1D index, ArrayView<float> dy, ArrayView<float> db, LinearDims d)
    {
        for (int o = index; o < d.Count; o += d.Stride)
        {
            float sum = 0f;
            for (int n = 0; n < d.N; n++)
            {
                sum += dy[(n * d.Out) + o];
            }

            db[o] += sum;
        }
    }
}
