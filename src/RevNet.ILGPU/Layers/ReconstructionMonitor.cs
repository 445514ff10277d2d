namespace RevNet.ILGPU.Layers;

/// <summary>
/// Opt-in checks of the activations a <see cref="Sequential"/> rebuilds in <see cref="ActivationMode.Reconstruct"/>:
/// add one to <see cref="Sequential.Observers"/>. Each check copies tensors to the host, so attach it for debugging or
/// at a low rate; a graph without it reads nothing back.
/// </summary>
public sealed class ReconstructionMonitor : IGraphObserver
{
    private readonly Dictionary<int, double[]> _fingerprints = [];

    /// <summary>
    /// Stop with a <see cref="NonFiniteActivationException"/> when a rebuilt input holds a NaN or an infinity
    /// (default true).
    /// </summary>
    public bool CheckNonFinite { get; init; } = true;

    /// <summary>
    /// Relative drift past which <see cref="Drift"/> is raised (null: no drift check). The forward saves a fingerprint
    /// of each rebuilt layer's input (per half of its values: the sum and the L2 norm); backward compares it with the
    /// rebuilt input. Drift = max over halves of |Δ‖x‖₂| / ‖x‖₂ and |Δ Σx| / (√n·‖x‖₂).
    /// </summary>
    public double? DriftThreshold { get; init; }

    /// <summary>Host readbacks made so far (each copies one activation to the host).</summary>
    public long Readbacks { get; private set; }

    /// <summary>
    /// Values of the rebuilt inputs checked so far whose magnitude reached 2^9, where
    /// <see cref="CouplingArithmetic.Exact"/> stops being exact (they degrade to ordinary float rounding).
    /// </summary>
    public long ValuesOutsideExactRange { get; private set; }

    /// <summary>Raised (a warning, not an error) when a rebuilt input drifts past <see cref="DriftThreshold"/>.</summary>
    public event EventHandler<ReconstructionDriftEventArgs>? Drift;

    /// <inheritdoc />
    public void OnForward(in LayerEvent e)
    {
        if (e.Action != LayerAction.Rebuild || DriftThreshold is null || e.Input.IsEmpty)
        {
            return;
        }

        _fingerprints[e.Index] = Fingerprint(Read(e.Input));
    }

    /// <inheritdoc />
    public void OnBackward(in LayerEvent e)
    {
        if (e.Action != LayerAction.Rebuild || (!CheckNonFinite && DriftThreshold is null))
        {
            return;
        }

        float[] rebuilt = Read(e.Input);
        ValuesOutsideExactRange += CountOutsideExactRange(rebuilt);
        if (CheckNonFinite)
        {
            int bad = Array.FindIndex(rebuilt, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw new NonFiniteActivationException(e.Index, e.Layer.Name, "rebuilt input", bad, rebuilt[bad]);
            }
        }

        if (DriftThreshold is double threshold && _fingerprints.Remove(e.Index, out double[]? saved))
        {
            double[] now = Fingerprint(rebuilt);
            double drift = RelativeDrift(saved, now, rebuilt.Length);
            if (drift > threshold)
            {
                Drift?.Invoke(this, new ReconstructionDriftEventArgs(e.Index, e.Layer.Name, saved, now, drift, threshold));
            }
        }
    }

    /// <summary>Counts values with |v| ≥ 2^9, outside the range where exact coupling arithmetic is exact.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The count.</returns>
    public static int CountOutsideExactRange(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float v in values)
        {
            count += Math.Abs(v) >= 512f ? 1 : 0;
        }

        return count;
    }

    private float[] Read(ActivationView view)
    {
        Readbacks++;
        return view.ToArray();
    }

    private static double[] Fingerprint(float[] values)
    {
        int half = values.Length / 2;
        double[] result = new double[4];
        for (int part = 0; part < 2; part++)
        {
            double sum = 0, squares = 0;
            for (int k = part * half; k < (part == 0 ? half : values.Length); k++)
            {
                sum += values[k];
                squares += (double)values[k] * values[k];
            }

            result[2 * part] = sum;
            result[(2 * part) + 1] = Math.Sqrt(squares);
        }

        return result;
    }

    private static double RelativeDrift(double[] saved, double[] rebuilt, int length)
    {
        double drift = 0;
        for (int part = 0; part < 2; part++)
        {
            int n = part == 0 ? length / 2 : length - (length / 2);
            double scale = Math.Max(saved[(2 * part) + 1], 1e-30);
            double dSum = Math.Abs(rebuilt[2 * part] - saved[2 * part]) / (Math.Sqrt(Math.Max(n, 1)) * scale);
            double dNorm = Math.Abs(rebuilt[(2 * part) + 1] - saved[(2 * part) + 1]) / scale;
            if (double.IsNaN(dSum) || double.IsNaN(dNorm))
            {
                return double.PositiveInfinity;
            }

            drift = Math.Max(drift, Math.Max(dSum, dNorm));
        }

        return drift;
    }
}
