namespace RevNet.ILGPU.Layers;

/// <summary>The host-side work of <see cref="ReconstructionChecks"/>: fingerprints, drift and non-finite scans.</summary>
internal static class ReconstructionCheck
{
    /// <summary>A report name for layer i of a graph.</summary>
    public static string NameOf(ILayer layer, int index) => layer switch
    {
        ReversibleBlock b => b.Name,
        AffineCoupling a => a.Name,
        CouplingTransition t => t.Name,
        ResidualUnit r => r.Name,
        _ => $"{layer.GetType().Name}#{index}",
    };

    /// <summary>Per half (first and second half of the flat values): the sum and the L2 norm, in double.</summary>
    public static double[] Fingerprint(float[] values)
    {
        int half = values.Length / 2;
        double[] result = new double[4];
        for (int part = 0; part < 2; part++)
        {
            int start = part * half;
            int end = part == 0 ? half : values.Length;
            double sum = 0, squares = 0;
            for (int k = start; k < end; k++)
            {
                sum += values[k];
                squares += (double)values[k] * values[k];
            }

            result[2 * part] = sum;
            result[(2 * part) + 1] = Math.Sqrt(squares);
        }

        return result;
    }

    /// <summary>max over halves of |Δnorm| / norm and |Δsum| / (√n·norm); 0 when both are all zero.</summary>
    public static double Drift(double[] saved, double[] rebuilt, int length)
    {
        double drift = 0;
        for (int part = 0; part < 2; part++)
        {
            int n = part == 0 ? length / 2 : length - (length / 2);
            double norm = saved[(2 * part) + 1];
            double scale = Math.Max(norm, 1e-30);
            double dSum = Math.Abs(rebuilt[2 * part] - saved[2 * part]) / (Math.Sqrt(Math.Max(n, 1)) * scale);
            double dNorm = Math.Abs(rebuilt[(2 * part) + 1] - norm) / scale;
            drift = Math.Max(drift, Math.Max(dSum, dNorm));
            if (double.IsNaN(dSum) || double.IsNaN(dNorm))
            {
                return double.PositiveInfinity;
            }
        }

        return drift;
    }

    /// <summary>The index of the first NaN or infinity, or −1.</summary>
    public static int FirstNonFinite(float[] values)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (!float.IsFinite(values[k]))
            {
                return k;
            }
        }

        return -1;
    }
}
