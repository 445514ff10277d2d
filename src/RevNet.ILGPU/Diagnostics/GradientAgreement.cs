namespace RevNet.ILGPU.Diagnostics;

/// <summary>How closely a Reconstruct-mode gradient matches the Store-mode gradient of the same tensor.</summary>
/// <param name="Name">The parameter (or <c>input</c>, or <c>all parameters</c>).</param>
/// <param name="Elements">Its size.</param>
/// <param name="Cosine">cos(g_reconstruct, g_store); 1 when both are zero.</param>
/// <param name="RelativeError">‖g_reconstruct − g_store‖ / ‖g_store‖ (the absolute norm when g_store is zero).</param>
/// <param name="MaxAbsDifference">max |g_reconstruct − g_store|.</param>
public sealed record GradientAgreement(string Name, long Elements, double Cosine, double RelativeError, double MaxAbsDifference)
{
    /// <summary>Compares two gradients in double precision.</summary>
    /// <param name="name">The name.</param>
    /// <param name="reconstruct">The Reconstruct-mode gradient.</param>
    /// <param name="store">The Store-mode gradient (the reference).</param>
    /// <returns>The agreement.</returns>
    public static GradientAgreement Compare(string name, ReadOnlySpan<float> reconstruct, ReadOnlySpan<float> store)
    {
        if (reconstruct.Length != store.Length)
        {
            throw new ArgumentException($"Lengths differ: {reconstruct.Length} vs {store.Length}.", nameof(store));
        }

        double dot = 0, nr = 0, ns = 0, nd = 0, maxDiff = 0;
        for (int i = 0; i < store.Length; i++)
        {
            double r = reconstruct[i];
            double s = store[i];
            double d = r - s;
            dot += r * s;
            nr += r * r;
            ns += s * s;
            nd += d * d;
            maxDiff = Math.Max(maxDiff, Math.Abs(d));
        }

        double cosine = nr == 0 && ns == 0 ? 1 : dot / Math.Sqrt(nr * ns);
        double relative = ns > 0 ? Math.Sqrt(nd / ns) : Math.Sqrt(nd);
        return new GradientAgreement(name, store.Length, cosine, relative, maxDiff);
    }
}
