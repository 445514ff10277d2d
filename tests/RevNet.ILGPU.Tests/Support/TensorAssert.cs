using System.Globalization;

namespace RevNet.ILGPU.Tests.Support;

/// <summary>Elementwise comparison with llm.c's tolerance |a − r| ≤ atol + rtol·|r|; reports the worst element.</summary>
public static class TensorAssert
{
    public static void Close(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double atol = 1e-5, double rtol = 1e-4, string what = "")
    {
        actual.Length.Should().Be(expected.Length, "lengths of {0} must match", what);
        int worst = -1;
        double worstExcess = 0;
        int bad = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i];
            double r = expected[i];
            double diff = Math.Abs(a - r);
            double tol = atol + (rtol * Math.Abs(r));
            if (!(diff <= tol))
            {
                bad++;
                double excess = double.IsNaN(diff) ? double.PositiveInfinity : diff / tol;
                if (worst < 0 || excess > worstExcess)
                {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }

        if (bad > 0)
        {
            string msg = string.Format(
                CultureInfo.InvariantCulture,
                "{0}: {1} of {2} elements out of tolerance (atol {3}, rtol {4}); worst at {5}: got {6:R}, expected {7:R}",
                what, bad, actual.Length, atol, rtol, worst, actual[worst], expected[worst]);
            throw new Xunit.Sdk.XunitException(msg);
        }
    }

    public static void Close(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol = 1e-5, double rtol = 1e-4, string what = "")
    {
        double[] e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++)
        {
            e[i] = expected[i];
        }

        Close(actual, e, atol, rtol, what);
    }

    /// <summary>Fails unless the two arrays hold the same bits.</summary>
    public static void BitIdentical(ReadOnlySpan<float> a, ReadOnlySpan<float> b, string what = "")
    {
        a.Length.Should().Be(b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                throw new Xunit.Sdk.XunitException(
                    string.Format(CultureInfo.InvariantCulture, "{0}: bits differ at {1}: {2:R} vs {3:R}", what, i, a[i], b[i]));
            }
        }
    }
}
