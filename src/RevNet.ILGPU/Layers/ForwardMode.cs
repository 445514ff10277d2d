namespace RevNet.ILGPU.Layers;

/// <summary>How a layer runs one forward pass: the protocol between graphs, couplings and leaf layers.</summary>
internal enum ForwardMode
{
    /// <summary>Evaluation: running statistics; nothing is kept.</summary>
    Inference,

    /// <summary>Training: batch statistics (running statistics updated once); keeps what Backward needs.</summary>
    Train,

    /// <summary>
    /// Training forward that keeps no activation: batch-norm computes batch statistics, updates its running
    /// statistics and keeps only the per-channel mean and inverse std (O(C)) for a later <see cref="Recompute"/>.
    /// </summary>
    TrainNoSave,

    /// <summary>
    /// Re-runs the last training forward for backward: batch-norm reuses its saved statistics (the same input gives
    /// bit-identical output) and never touches running statistics; keeps what Backward needs.
    /// </summary>
    Recompute,
}
