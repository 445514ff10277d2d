namespace RevNet.ILGPU.Layers;

/// <summary>
/// What a layer declares about itself, so that a graph (<see cref="Sequential"/>) can plan what to keep, drop or
/// rebuild in a training step. Invertibility is declared by implementing <see cref="IReversibleLayer"/>, the pair
/// form by deriving from <see cref="Coupling"/>.
/// </summary>
[Flags]
public enum LayerTraits
{
    /// <summary>A plain layer: a training forward keeps its input (the graph keeps it alive) and what else it needs.</summary>
    None = 0,

    /// <summary>
    /// Backward reads only the input's shape and device, not its values (pooling, channel padding): a graph need not
    /// keep the input alive for it.
    /// </summary>
    ShapeOnlyBackward = 1,

    /// <summary>
    /// A unit made of several layers whose saving forward would keep internals beyond its input: in an
    /// <see cref="ActivationMode.Reconstruct"/> step a graph runs it with <see cref="ForwardMode.TrainNoSave"/>, keeps
    /// only its input, and calls <see cref="ILayer.Recompute"/> before its backward.
    /// </summary>
    Recomputable = 2,
}
