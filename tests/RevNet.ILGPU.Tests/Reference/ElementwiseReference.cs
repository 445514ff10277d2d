namespace RevNet.ILGPU.Tests.Reference;

/// <summary>
/// Double-precision twins of the elementwise and channel ops (the "slow twin" of every kernel). Plain loops, no
/// cleverness: these define what the backends must compute.
/// </summary>
public static class ElementwiseReference
{
    /// <summary>y = a + b.</summary>
    public static double[] Add(double[] a, double[] b)
    {
        double[] y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }

        return y;
    }

    /// <summary>y = a − b.</summary>
    public static double[] Subtract(double[] a, double[] b)
    {
        double[] y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] - b[i];
        }

        return y;
    }

    /// <summary>Returns y + alpha·x (y is not modified).</summary>
    public static double[] Axpy(double alpha, double[] x, double[] y)
    {
        double[] result = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            result[i] = y[i] + (alpha * x[i]);
        }

        return result;
    }

    /// <summary>y = max(x, 0).</summary>
    public static double[] Relu(double[] x)
    {
        double[] y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > 0 ? x[i] : 0;
        }

        return y;
    }

    /// <summary>dx = y &gt; 0 ? dy : 0, where y is ReLU's output.</summary>
    public static double[] ReluBackward(double[] y, double[] dy)
    {
        double[] dx = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = y[i] > 0 ? dy[i] : 0;
        }

        return dx;
    }

    /// <summary>y = f(a, b) elementwise.</summary>
    public static double[] Map(double[] a, double[] b, Func<double, double, double> f)
    {
        double[] y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = f(a[i], b[i]);
        }

        return y;
    }

    /// <summary>y = a ⊙ b.</summary>
    public static double[] Multiply(double[] a, double[] b) => Map(a, b, (u, v) => u * v);

    /// <summary>y = a / b.</summary>
    public static double[] Divide(double[] a, double[] b) => Map(a, b, (u, v) => u / v);

    /// <summary>Backward of <see cref="Divide"/>: (da, db) = (dy / b, −dy·a / b²).</summary>
    public static (double[] Da, double[] Db) DivideBackward(double[] a, double[] b, double[] dy) =>
        (Map(dy, b, (g, v) => g / v), Map(Multiply(dy, a), b, (ga, v) => -ga / (v * v)));

    /// <summary>y = alpha·x + beta.</summary>
    public static double[] ScaleAdd(double[] x, double alpha, double beta) => Map(x, x, (u, _) => (alpha * u) + beta);

    /// <summary>y = exp(x).</summary>
    public static double[] Exp(double[] x) => Map(x, x, (u, _) => Math.Exp(u));

    /// <summary>y = 1 / (1 + exp(−x)).</summary>
    public static double[] Sigmoid(double[] x) => Map(x, x, (u, _) => 1 / (1 + Math.Exp(-u)));

    /// <summary>dx = dy·σ(x)·(1 − σ(x)), from the input x.</summary>
    public static double[] SigmoidBackward(double[] x, double[] dy) =>
        Map(Sigmoid(x), dy, (s, g) => g * s * (1 - s));

    /// <summary>v rounded to the nearest multiple of step, ties to even.</summary>
    public static double[] GridRound(double[] v, double step) =>
        Map(v, v, (u, _) => Math.Round(u / step, MidpointRounding.ToEven) * step);

    /// <summary>y = x + sign·⌊branch⌉ (no rounding when step is 0).</summary>
    public static double[] CouplingAdd(double[] x, double[] branch, double sign, double step) =>
        Map(x, step > 0 ? GridRound(branch, step) : branch, (u, r) => u + (sign * r));

    /// <summary>
    /// dst[n, dstOffset + c, :, :] = src[n, srcOffset + c, :, :] for c &lt; count, in place on <paramref name="dst"/>.
    /// src is [n, srcChannels, hw], dst is [n, dstChannels, hw] (hw = H·W).
    /// </summary>
    public static void CopyChannels(
        double[] src, int srcChannels, int srcOffset, double[] dst, int dstChannels, int dstOffset, int count, int n,
        int hw)
    {
        for (int b = 0; b < n; b++)
        {
            for (int c = 0; c < count; c++)
            {
                for (int i = 0; i < hw; i++)
                {
                    int from = (((b * srcChannels) + srcOffset + c) * hw) + i;
                    dst[(((b * dstChannels) + dstOffset + c) * hw) + i] = src[from];
                }
            }
        }
    }

    /// <summary>Zero channel padding: y [n, cy, hw] is 0 except channels [before, before + cx) = x.</summary>
    public static double[] PadChannels(double[] x, int n, int cx, int hw, int cy, int before)
    {
        double[] y = new double[n * cy * hw];
        CopyChannels(x, cx, 0, y, cy, before, cx, n, hw);
        return y;
    }

    /// <summary>Backward of <see cref="PadChannels"/>: dx = dy[:, before : before + cx].</summary>
    public static double[] PadChannelsBackward(double[] dy, int n, int cy, int hw, int cx, int before)
    {
        double[] dx = new double[n * cx * hw];
        CopyChannels(dy, cy, before, dx, cx, 0, cx, n, hw);
        return dx;
    }

    /// <summary>Splits x [n, ca + cb, hw] into a [n, ca, hw] and b [n, cb, hw].</summary>
    public static (double[] A, double[] B) SplitChannels(double[] x, int n, int ca, int cb, int hw)
    {
        double[] a = new double[n * ca * hw];
        double[] b = new double[n * cb * hw];
        CopyChannels(x, ca + cb, 0, a, ca, 0, ca, n, hw);
        CopyChannels(x, ca + cb, ca, b, cb, 0, cb, n, hw);
        return (a, b);
    }

    /// <summary>Concatenates a [n, ca, hw] and b [n, cb, hw] along channels.</summary>
    public static double[] ConcatChannels(double[] a, double[] b, int n, int ca, int cb, int hw)
    {
        double[] x = new double[n * (ca + cb) * hw];
        CopyChannels(a, ca, 0, x, ca + cb, 0, ca, n, hw);
        CopyChannels(b, cb, 0, x, ca + cb, ca, cb, n, hw);
        return x;
    }
}
