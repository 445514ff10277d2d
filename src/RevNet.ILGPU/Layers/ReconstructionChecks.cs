namespace RevNet.ILGPU.Layers;

/// <summary>
/// Opt-in checks of the activations a <see cref="Sequential"/> rebuilds in <see cref="ActivationMode.Reconstruct"/>
/// (set <see cref="Sequential.Checks"/>). Each check copies tensors to the host, so leave them off (null) for speed:
/// when off, the graph reads nothing back.
/// </summary>
public sealed record ReconstructionChecks
{
    /// <summary>
    /// Stop with a <see cref="NonFiniteActivationException"/> when a rebuilt input holds a NaN or an infinity
    /// (default true).
    /// </summary>
    public bool CheckNonFinite { get; init; } = true;

    /// <summary>
    /// Relative drift past which <see cref="Sequential.ReconstructionDrift"/> is raised (null: no drift check). The
    /// forward saves a fingerprint of each invertible layer's input (per half: the sum and the L2 norm); backward
    /// compares it with the rebuilt input. Drift = max over halves of |Δ‖x‖₂| / ‖x‖₂ and |Δ Σx| / (√n·‖x‖₂).
    /// </summary>
    public double? DriftThreshold { get; init; }
}
