namespace RevNet.ILGPU.Tests.Reference;

/// <summary>
/// Double-precision batch normalisation over x [N, C, HW] per channel c, m = N·HW. Normalisation uses the biased
/// variance; the running variance stores the unbiased one (PyTorch).
/// </summary>
public static class BatchNormReference
{
    /// <summary>mean[c] and invStd[c] = 1/sqrt(biased var[c] + eps).</summary>
    public static (double[] Mean, double[] InvStd) Statistics(double[] x, int n, int c, int hw, double eps)
    {
        double[] mean = new double[c];
        double[] invStd = new double[c];
        double m = (double)n * hw;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < hw; i++)
                {
                    sum += x[(((b * c) + ch) * hw) + i];
                }
            }

            double mu = sum / m;
            double sq = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < hw; i++)
                {
                    double d = x[(((b * c) + ch) * hw) + i] - mu;
                    sq += d * d;
                }
            }

            mean[ch] = mu;
            invStd[ch] = 1 / Math.Sqrt((sq / m) + eps);
        }

        return (mean, invStd);
    }

    /// <summary>y = gamma·(x − mean)·invStd + beta, then max(·, 0) when <paramref name="relu"/>.</summary>
    public static double[] Apply(
        double[] x, double[] mean, double[] invStd, double[] gamma, double[] beta, int n, int c, int hw, bool relu)
    {
        double[] y = new double[x.Length];
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int i = 0; i < hw; i++)
                {
                    int idx = (((b * c) + ch) * hw) + i;
                    double v = (gamma[ch] * (x[idx] - mean[ch]) * invStd[ch]) + beta[ch];
                    y[idx] = relu && v < 0 ? 0 : v;
                }
            }
        }

        return y;
    }

    /// <summary>
    /// In place: running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance
    /// (1/invStd² − eps)·count/(count − 1).
    /// </summary>
    public static void UpdateRunning(
        double[] mean, double[] invStd, double[] runningMean, double[] runningVar, double momentum, double eps,
        long count)
    {
        for (int ch = 0; ch < mean.Length; ch++)
        {
            double biased = (1 / (invStd[ch] * invStd[ch])) - eps;
            double unbiased = biased * count / (count - 1);
            runningMean[ch] = ((1 - momentum) * runningMean[ch]) + (momentum * mean[ch]);
            runningVar[ch] = ((1 - momentum) * runningVar[ch]) + (momentum * unbiased);
        }
    }

    /// <summary>invStd = 1/sqrt(runningVar + eps).</summary>
    public static double[] InvStd(double[] runningVar, double eps)
    {
        double[] invStd = new double[runningVar.Length];
        for (int ch = 0; ch < runningVar.Length; ch++)
        {
            invStd[ch] = 1 / Math.Sqrt(runningVar[ch] + eps);
        }

        return invStd;
    }

    /// <summary>
    /// Training-mode backward with xhat = (x − mean)·invStd: returns
    /// dx = gamma·invStd·(dy − Σdy/m − xhat·Σ(dy·xhat)/m); dgamma += Σ dy·xhat and dbeta += Σ dy (accumulate).
    /// </summary>
    public static double[] Backward(
        double[] x, double[] dy, double[] mean, double[] invStd, double[] gamma, int n, int c, int hw,
        double[] dgamma, double[] dbeta)
    {
        double[] dx = new double[x.Length];
        double m = (double)n * hw;
        for (int ch = 0; ch < c; ch++)
        {
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < hw; i++)
                {
                    int idx = (((b * c) + ch) * hw) + i;
                    double xhat = (x[idx] - mean[ch]) * invStd[ch];
                    sumDy += dy[idx];
                    sumDyXhat += dy[idx] * xhat;
                }
            }

            dgamma[ch] += sumDyXhat;
            dbeta[ch] += sumDy;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < hw; i++)
                {
                    int idx = (((b * c) + ch) * hw) + i;
                    double xhat = (x[idx] - mean[ch]) * invStd[ch];
                    dx[idx] = gamma[ch] * invStd[ch] * (dy[idx] - (sumDy / m) - (xhat * sumDyXhat / m));
                }
            }
        }

        return dx;
    }
}
