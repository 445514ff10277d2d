using System.Globalization;

namespace RevNet.ILGPU.Tests.Support;

/// <summary>
/// Central finite differences on double-precision functions, to prove the reference backward passes. A vector
/// output y(p) is reduced to the scalar L = Σ r ⊙ y with a fixed random r, so ∂L/∂p is exactly what a backward pass
/// computes when it is handed dy = r.
/// </summary>
public static class GradientCheck
{
    /// <summary>The step: small enough for a negligible O(ε²) truncation error, large enough for double rounding.
    /// </summary>
    public const double Epsilon = 1e-6;

    /// <summary>Uniform doubles in [lo, hi) from a fixed seed.</summary>
    public static double[] Random(int seed, int count, double lo = -1, double hi = 1)
    {
        var rng = new Random(seed);
        double[] a = new double[count];
        for (int i = 0; i < count; i++)
        {
            a[i] = lo + ((hi - lo) * rng.NextDouble());
        }

        return a;
    }

    /// <summary>
    /// Uniform doubles with |a| in [margin, 1) and a random sign: inputs of a ReLU kept away from its kink.
    /// </summary>
    public static double[] AwayFromZero(int seed, int count, double margin = 0.05)
    {
        var rng = new Random(seed);
        double[] a = new double[count];
        for (int i = 0; i < count; i++)
        {
            double magnitude = margin + ((1 - margin) * rng.NextDouble());
            a[i] = rng.Next(2) == 0 ? magnitude : -magnitude;
        }

        return a;
    }

    /// <summary>Σ a ⊙ b.</summary>
    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>
    /// ∂L/∂p by central differences, L = <paramref name="loss"/>(), perturbing <paramref name="p"/> in place (each
    /// element is restored exactly after its two evaluations).
    /// </summary>
    public static double[] Numerical(double[] p, Func<double> loss)
    {
        double[] grad = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + Epsilon;
            double plus = loss();
            p[i] = saved - Epsilon;
            double minus = loss();
            p[i] = saved;
            grad[i] = (plus - minus) / (2 * Epsilon);
        }

        return grad;
    }

    /// <summary>∂(Σ r ⊙ f())/∂p by central differences.</summary>
    public static double[] Numerical(double[] p, Func<double[]> f, double[] r) => Numerical(p, () => Dot(r, f()));

    /// <summary>
    /// Fails unless |analytic − numerical| ≤ atol + rtol·|numerical| everywhere. The default atol covers the
    /// rounding of L (≈1e-16·Σ|r ⊙ y|) divided by 2ε, about 1e-9 for the O(10) losses used here.
    /// </summary>
    public static void AssertClose(
        double[] analytic, double[] numerical, string what, double rtol = 1e-6, double atol = 1e-7)
    {
        analytic.Length.Should().Be(numerical.Length, "gradient lengths of {0} must match", what);
        for (int i = 0; i < analytic.Length; i++)
        {
            double diff = Math.Abs(analytic[i] - numerical[i]);
            if (!(diff <= atol + (rtol * Math.Abs(numerical[i]))))
            {
                throw new Xunit.Sdk.XunitException(string.Format(
                    CultureInfo.InvariantCulture,
                    "{0}: analytic gradient {1:R} vs finite difference {2:R} at {3} (|diff| {4:E2})",
                    what, analytic[i], numerical[i], i, diff));
            }
        }

        numerical.Should().Contain(
            v => Math.Abs(v) > 1e-3, "a gradient check of {0} on an all-zero gradient proves nothing", what);
    }
}
