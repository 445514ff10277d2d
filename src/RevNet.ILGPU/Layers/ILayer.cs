using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A layer with an explicit forward/backward pair over pooled tensors (no autograd tape).
/// Ownership: a returned tensor belongs to the caller; arguments are only borrowed.
/// </summary>
public interface ILayer : IDisposable
{
    /// <summary>Trainable parameters, in a stable order (checkpoints and optimizers rely on it).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Non-trainable state saved in checkpoints (BatchNorm running mean and variance), in a stable order.
    /// </summary>
    IReadOnlyList<Parameter> Buffers { get; }

    /// <summary>The output shape for an input shape.</summary>
    /// <param name="input">The input shape.</param>
    /// <returns>The output shape.</returns>
    /// <exception cref="ArgumentException">The layer cannot take that shape.</exception>
    Shape GetOutputShape(Shape input);

    /// <summary>Runs the layer.</summary>
    /// <param name="input">The input (borrowed).</param>
    /// <param name="training">True keeps what <see cref="Backward"/> needs and uses batch statistics.</param>
    /// <returns>The output, owned by the caller.</returns>
    Tensor Forward(Tensor input, bool training);

    /// <summary>Back-propagates through the last training <see cref="Forward"/>; parameter gradients accumulate.</summary>
    /// <param name="outputGradient">dL/dy (borrowed).</param>
    /// <returns>dL/dx, owned by the caller.</returns>
    /// <exception cref="InvalidOperationException">No training forward pass preceded it.</exception>
    Tensor Backward(Tensor outputGradient);
}
