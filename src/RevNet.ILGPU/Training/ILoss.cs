using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>A classification loss over logits [N, classes], mean over the batch.</summary>
public interface ILoss
{
    /// <summary>A name for reports, e.g. <c>cross-entropy</c>.</summary>
    string Name { get; }

    /// <summary>Computes the mean loss and writes dL/dlogits.</summary>
    /// <param name="logits">The logits [N, classes] (borrowed).</param>
    /// <param name="labels">One class per sample.</param>
    /// <param name="gradient">Receives dL/dlogits; the same shape as <paramref name="logits"/>.</param>
    /// <returns>The mean loss (NaN or infinite when the logits are).</returns>
    /// <exception cref="ArgumentException">The label count or the gradient's shape does not match the logits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    float Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor gradient);
}
