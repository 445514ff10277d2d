using RevNet.ILGPU.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RevNet.ILGPU.Host;

/// <summary>Fused softmax cross-entropy, one row at a time (rows are short; the loss is summed in row order).</summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits)
    {
        int n = logits.Shape[0];
        int k = logits.Shape[1];
        ReadOnlySpan<float> z = logits.Span;
        Span<float> dz = dlogits.Span;
        double invN = 1.0 / n;
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = z.Slice(i * k, k);
            Span<float> grad = dz.Slice(i * k, k);
            int label = labels[i];
            float max = TensorPrimitives.Max(row);
            float shiftedLabel = row[label] - max;

            // grad = exp(row − max), summed in double in column order (dlogits may alias logits: read first).
            TensorPrimitives.Subtract(row, max, grad);
            TensorPrimitives.Exp(grad, grad);
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += grad[j];
            }

            // loss_i = log Σ exp(z − max) − (z_label − max); dlogits = (softmax − onehot)/N.
            loss += Math.Log(sum) - shiftedLabel;
            TensorPrimitives.Multiply(grad, (float)(invN / sum), grad);
            grad[label] -= (float)invN;
        }

        return (float)(loss * invN);
    }
}
