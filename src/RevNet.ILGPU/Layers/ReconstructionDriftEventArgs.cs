namespace RevNet.ILGPU.Layers;

/// <summary>
/// A warning: an invertible layer's rebuilt input drifted from the fingerprint saved in forward by more than
/// <see cref="ReconstructionMonitor.DriftThreshold"/>. Training goes on; the gradients of the layers below may be off.
/// </summary>
public sealed class ReconstructionDriftEventArgs : EventArgs
{
    internal ReconstructionDriftEventArgs(
        int layerIndex, string layerName, IReadOnlyList<double> saved, IReadOnlyList<double> rebuilt, double drift, double threshold)
    {
        LayerIndex = layerIndex;
        LayerName = layerName;
        Saved = saved;
        Rebuilt = rebuilt;
        RelativeDrift = drift;
        Threshold = threshold;
    }

    /// <summary>The layer's index in its graph.</summary>
    public int LayerIndex { get; }

    /// <summary>The layer's name (a block name such as <c>stage1.unit2</c>).</summary>
    public string LayerName { get; }

    /// <summary>The fingerprint saved in forward: per half, the sum and the L2 norm.</summary>
    public IReadOnlyList<double> Saved { get; }

    /// <summary>The same fingerprint of the rebuilt input.</summary>
    public IReadOnlyList<double> Rebuilt { get; }

    /// <summary>The relative drift (see <see cref="ReconstructionMonitor.DriftThreshold"/>).</summary>
    public double RelativeDrift { get; }

    /// <summary>The threshold it passed.</summary>
    public double Threshold { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"Reconstruction drift {RelativeDrift:G3} (threshold {Threshold:G3}) at layer {LayerIndex} ({LayerName}): "
        + $"saved [{string.Join(", ", Saved.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}], "
        + $"rebuilt [{string.Join(", ", Rebuilt.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}]";
}
