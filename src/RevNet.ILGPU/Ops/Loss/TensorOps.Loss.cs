using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>The fused softmax cross-entropy loss.</summary>
public static partial class TensorOps
{
    /// <summary>
    /// Fused softmax cross-entropy, mean over the batch; writes dlogits and returns the loss.
    /// </summary>
    /// <exception cref="ArgumentException">Label count differs from the batch, or dlogits has another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(dlogits);
        if (logits.Shape.Rank != 2)
        {
            throw new ArgumentException($"Expected logits [N, classes], got {logits.Shape}.", nameof(logits));
        }

        if (labels.Length != logits.Shape[0])
        {
            throw new ArgumentException($"Expected {logits.Shape[0]} labels, got {labels.Length}.", nameof(labels));
        }

        int k = logits.Shape[1];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[i]} at {i} is outside [0, {k}).");
            }
        }

        SameShape(logits, dlogits, nameof(dlogits));
        using OpScope op = Op(nameof(SoftmaxCrossEntropy), logits, dlogits);
        return op.Ops.SoftmaxCrossEntropy(logits, labels, dlogits);
    }
}
