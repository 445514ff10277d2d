using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// An invertible layer: its input can be rebuilt from its output, so backward needs no saved activation.
/// </summary>
public interface IReversibleLayer : ILayer
{
    /// <summary>
    /// Rebuilds the input from an output of the layer in evaluation mode (running statistics):
    /// <c>Inverse(Forward(x, false)) ≈ x</c>.
    /// </summary>
    /// <param name="output">The output (borrowed).</param>
    /// <returns>The input, owned by the caller.</returns>
    Tensor Inverse(Tensor output);

    /// <summary>
    /// Back-propagates through the last training forward without reading any saved activation: rebuilds the input
    /// from <paramref name="output"/> and computes the input gradient in one pass (parameter gradients accumulate).
    /// Batch-norm layers inside reuse the statistics of that forward and do not update running statistics again.
    /// </summary>
    /// <param name="output">The output of the last training forward (borrowed).</param>
    /// <param name="outputGradient">dL/dy (borrowed).</param>
    /// <returns>The rebuilt input and dL/dx, both owned by the caller.</returns>
    /// <exception cref="InvalidOperationException">No training forward pass preceded it.</exception>
    (Tensor Input, Tensor InputGradient) BackwardFromOutput(Tensor output, Tensor outputGradient);
}
