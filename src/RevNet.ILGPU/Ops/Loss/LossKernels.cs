using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>Dimensions of the fused softmax cross-entropy: logits [N, Classes].</summary>
/// <param name="Count">Rows (the batch size N).</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="Classes">Classes per row.</param>
/// <param name="InvN">1/N, the scale of the mean-over-batch gradient.</param>
internal readonly record struct LossDims(int Count, int Stride, int Classes, float InvN);

/// <summary>Fused, numerically stable softmax cross-entropy: one thread per row writes its loss and gradient.</summary>
internal static class LossKernels
{
    /// <summary>
    /// For row n with label l: rowLoss[n] = log Σ_j exp(z_j − max) − (z_l − max);
    /// dlogits[n, j] = (softmax_j − [j = l]) / N (overwritten). Count = N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxCrossEntropy(
        Index1D index, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> dlogits,
        ArrayView<float> rowLoss, LossDims d)
    {
        int k = d.Classes;
        for (int n = index; n < d.Count; n += d.Stride)
        {
            int row = n * k;
            float max = logits[row];
            for (int j = 1; j < k; j++)
            {
                float v = logits[row + j];
                max = v > max ? v : max;
            }

            float sumExp = 0f;
            for (int j = 0; j < k; j++)
            {
                sumExp += MathF.Exp(logits[row + j] - max);
            }

            int label = labels[n];
            float logSum = MathF.Log(sumExp);
            rowLoss[n] = logSum - (logits[row + label] - max);
            float invSum = 1f / sumExp;
            for (int j = 0; j < k; j++)
            {
                float p = MathF.Exp(logits[row + j] - max) * invSum;
                dlogits[row + j] = (j == label ? p - 1f : p) * d.InvN;
            }
        }
    }
}
