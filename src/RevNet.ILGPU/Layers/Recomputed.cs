using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Gradient checkpointing for any layer (PyTorch's <c>torch.utils.checkpoint</c>): in an
/// <see cref="ActivationMode.Reconstruct"/> step the graph runs the inner layer without keeping anything, keeps only
/// its input, and recomputes it once in backward. Elsewhere it is the inner layer.
/// </summary>
public sealed class Recomputed : Layer
{
    /// <summary>Wraps a layer; the wrapper owns and disposes it.</summary>
    /// <param name="inner">The layer to recompute.</param>
    /// <param name="name">A name for reports (default: the inner layer's).</param>
    public Recomputed(ILayer inner, string? name = null)
        : base(name ?? inner?.Name ?? "recomputed")
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = Hold(inner);
    }

    /// <summary>The wrapped layer.</summary>
    public ILayer Inner { get; }

    /// <inheritdoc />
    public override LayerTraits Traits => LayerTraits.Recomputable;

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input) => Inner.GetOutputShape(input);

    /// <inheritdoc />
    public override void Recompute(Tensor input)
    {
        Inner.Recompute(input);
        ReadyFor(input);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode) => Inner.Forward(input, mode);

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient) => Inner.Backward(outputGradient);
}
