using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>Softmax cross-entropy, mean over the batch, fused on the device (<see cref="TensorOps.SoftmaxCrossEntropy"/>).</summary>
public sealed class SoftmaxCrossEntropyLoss : ILoss
{
    /// <summary>The shared instance (the loss has no state).</summary>
    public static SoftmaxCrossEntropyLoss Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "cross-entropy";

    /// <inheritdoc />
    public float Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor gradient) =>
        TensorOps.SoftmaxCrossEntropy(logits, labels, gradient);
}
