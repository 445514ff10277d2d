using System.Globalization;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A warning: an invertible layer's rebuilt input drifted from the fingerprint saved in forward by more than
/// <see cref="ReconstructionMonitor.DriftThreshold"/>. Training goes on; the gradients of the layers below may be off.
/// </summary>
/// <param name="LayerIndex">The layer's index in the graph.</param>
/// <param name="LayerName">The layer's name.</param>
/// <param name="Saved">The fingerprint saved in forward: per half, the sum and the L2 norm.</param>
/// <param name="Rebuilt">The same fingerprint of the rebuilt input.</param>
/// <param name="RelativeDrift">The relative drift (see <see cref="ReconstructionMonitor.DriftThreshold"/>).</param>
/// <param name="Threshold">The threshold it passed.</param>
public sealed record ReconstructionDriftEventArgs(
    int LayerIndex, string LayerName, IReadOnlyList<double> Saved, IReadOnlyList<double> Rebuilt, double RelativeDrift, double Threshold)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"Reconstruction drift {RelativeDrift:G3} (threshold {Threshold:G3}) at layer {LayerIndex} ({LayerName}): "
        + $"saved [{string.Join(", ", Saved.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}], "
        + $"rebuilt [{string.Join(", ", Rebuilt.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}]";
}
