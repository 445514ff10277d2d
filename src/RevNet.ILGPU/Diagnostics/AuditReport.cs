namespace RevNet.ILGPU.Diagnostics;

/// <summary>The result of <see cref="ReversibilityAudit.Run"/>.</summary>
/// <param name="Blocks">Per invertible layer, in graph order: the reconstruction error of its input.</param>
/// <param name="Parameters">Per parameter: Reconstruct vs Store gradient agreement.</param>
/// <param name="AllParameters">The agreement of all parameter gradients as one vector.</param>
/// <param name="InputGradient">The agreement of dL/d(input).</param>
/// <param name="StoreLoss">The loss of the Store pass.</param>
/// <param name="ReconstructLoss">The loss of the Reconstruct pass.</param>
/// <param name="StoreActivationPeakBytes">Peak activation bytes of a Store training step (pool counters).</param>
/// <param name="ReconstructActivationPeakBytes">Peak activation bytes of a Reconstruct training step.</param>
public sealed record AuditReport(
    IReadOnlyList<BlockReconstruction> Blocks,
    IReadOnlyList<GradientAgreement> Parameters,
    GradientAgreement AllParameters,
    GradientAgreement InputGradient,
    float StoreLoss,
    float ReconstructLoss,
    long StoreActivationPeakBytes,
    long ReconstructActivationPeakBytes)
{
    /// <summary>The largest absolute reconstruction error over all blocks (0 without blocks).</summary>
    public double MaxReconstructionError => Blocks.Count == 0 ? 0 : Blocks.Max(b => b.MaxAbsError);

    /// <summary>The largest relative reconstruction error over all blocks (0 without blocks).</summary>
    public double MaxRelativeReconstructionError => Blocks.Count == 0 ? 0 : Blocks.Max(b => b.RelativeError);
}
