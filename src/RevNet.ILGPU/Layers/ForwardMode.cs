namespace RevNet.ILGPU.Layers;

/// <summary>
/// How a layer runs one forward pass: the protocol between graphs, couplings and every layer, the library's and a
/// user's alike. A layer that holds other layers passes the mode it was given on to them.
/// </summary>
/// <remarks>
/// A training step calls <see cref="Train"/> (or, in <see cref="ActivationMode.Reconstruct"/>, <see cref="TrainNoSave"/>
/// followed in backward by <see cref="Recompute"/>), then <see cref="ILayer.Backward"/>. Batch-norm statistics are
/// computed and the running statistics updated exactly once per step: in <see cref="Train"/> or
/// <see cref="TrainNoSave"/>, never in <see cref="Recompute"/>.
/// </remarks>
public enum ForwardMode
{
    /// <summary>Evaluation: running statistics; nothing is kept for backward.</summary>
    Inference,

    /// <summary>
    /// Training: batch statistics (running statistics updated once); the layer keeps what <see cref="ILayer.Backward"/>
    /// needs (references to its input, which the caller keeps alive, and any internals it made).
    /// </summary>
    Train,

    /// <summary>
    /// Training forward that keeps no activation: batch statistics, running statistics updated once, and only O(C)
    /// state (batch-norm's mean and inverse std) is kept for a later <see cref="Recompute"/>. Backward may not follow
    /// directly.
    /// </summary>
    TrainNoSave,

    /// <summary>
    /// Re-runs the last <see cref="TrainNoSave"/> (or <see cref="Train"/>) forward for backward: batch-norm reuses its
    /// saved statistics (the same input gives bit-identical output) and never touches running statistics; keeps what
    /// <see cref="ILayer.Backward"/> needs, as <see cref="Train"/> does.
    /// </summary>
    Recompute,
}
