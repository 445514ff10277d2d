using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A layer with an explicit forward/backward pair over pooled tensors (no autograd tape): the one protocol that the
/// library's layers and a user's layers share. Derive from <see cref="Layer"/> for the bookkeeping.
/// </summary>
/// <remarks>
/// Ownership: a returned tensor belongs to the caller; arguments are borrowed. After a forward in a mode that keeps
/// for backward (<see cref="ForwardMode.Train"/>, <see cref="ForwardMode.Recompute"/>) the caller keeps the input
/// alive until <see cref="Backward"/> (unless the layer declares <see cref="LayerTraits.ShapeOnlyBackward"/>).
/// A layer that holds other layers passes the <see cref="ForwardMode"/> it was given on to them.
/// </remarks>
public interface ILayer : IDisposable
{
    /// <summary>A name for reports and errors (e.g. <c>stage1.unit2</c>).</summary>
    string Name => GetType().Name;

    /// <summary>Trainable parameters, in a stable order (checkpoints and optimizers rely on it).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Non-trainable state saved in checkpoints (batch-norm running statistics), in a stable order.</summary>
    IReadOnlyList<Parameter> Buffers { get; }

    /// <summary>What a graph may do with this layer in a training step (default: nothing special).</summary>
    LayerTraits Traits => LayerTraits.None;

    /// <summary>The output shape for an input shape.</summary>
    /// <param name="input">The input shape.</param>
    /// <returns>The output shape.</returns>
    /// <exception cref="ArgumentException">The layer cannot take that shape.</exception>
    Shape GetOutputShape(Shape input);

    /// <summary>Runs the layer.</summary>
    /// <param name="input">The input (borrowed).</param>
    /// <param name="mode">Which statistics to use and whether to keep what <see cref="Backward"/> needs.</param>
    /// <returns>The output, owned by the caller.</returns>
    Tensor Forward(Tensor input, ForwardMode mode);

    /// <summary>
    /// After a <see cref="ForwardMode.TrainNoSave"/> forward: readies <see cref="Backward"/> as a
    /// <see cref="ForwardMode.Recompute"/> forward does, skipping the output where the layer can (a convolution only
    /// notes its input). The caller keeps the input alive until Backward.
    /// </summary>
    /// <param name="input">The same input as the training forward (borrowed).</param>
    void Recompute(Tensor input) => Forward(input, ForwardMode.Recompute).Dispose();

    /// <summary>Back-propagates through the last keeping forward; parameter gradients accumulate.</summary>
    /// <param name="outputGradient">dL/dy (borrowed).</param>
    /// <returns>dL/dx, owned by the caller.</returns>
    /// <exception cref="InvalidOperationException">No keeping forward preceded it.</exception>
    Tensor Backward(Tensor outputGradient);
}
