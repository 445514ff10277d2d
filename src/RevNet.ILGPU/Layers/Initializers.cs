using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Seeded parameter initialisers (double precision on the host, then copied to the device).</summary>
public static class Initializers
{
    /// <summary>Fills t with N(0, std²) values (Box–Muller over a seeded <see cref="Random"/>).</summary>
    /// <param name="t">The tensor.</param>
    /// <param name="std">The standard deviation (≥ 0).</param>
    /// <param name="seed">The seed.</param>
    public static void Normal(Tensor t, double std, int seed)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentOutOfRangeException.ThrowIfNegative(std);
        var rng = new Random(seed);
        float[] v = new float[t.ElementCount];
        for (int i = 0; i < v.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            v[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        t.CopyFrom(v);
    }

    /// <summary>Fills t with U(−bound, bound) values from a seeded <see cref="Random"/>.</summary>
    /// <param name="t">The tensor.</param>
    /// <param name="bound">The bound (≥ 0).</param>
    /// <param name="seed">The seed.</param>
    public static void Uniform(Tensor t, double bound, int seed)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        var rng = new Random(seed);
        float[] v = new float[t.ElementCount];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)(bound * ((2.0 * rng.NextDouble()) - 1.0));
        }

        t.CopyFrom(v);
    }

    /// <summary>
    /// Kaiming-normal in fan-out mode for a weight [K, C, R, S] (or [Out, In]): std = sqrt(2 / (K·R·S)), as the RevNet
    /// authors' code initialises convolutions.
    /// </summary>
    /// <param name="weight">The weight.</param>
    /// <param name="seed">The seed.</param>
    public static void KaimingNormalFanOut(Tensor weight, int seed)
    {
        ArgumentNullException.ThrowIfNull(weight);
        long fanOut = weight.ElementCount / weight.Shape[weight.Shape.Rank > 1 ? 1 : 0];
        Normal(weight, Math.Sqrt(2.0 / fanOut), seed);
    }

    /// <summary>PyTorch's default for a linear layer: U(−1/√In, 1/√In) for a weight [Out, In] (and its bias).</summary>
    /// <param name="t">The weight or bias.</param>
    /// <param name="inFeatures">In.</param>
    /// <param name="seed">The seed.</param>
    public static void LinearUniform(Tensor t, int inFeatures, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        Uniform(t, 1.0 / Math.Sqrt(inFeatures), seed);
    }
}
