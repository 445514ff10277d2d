namespace RevNet.ILGPU.Tests.Reference;

/// <summary>Double-precision softmax cross-entropy, mean over the batch.</summary>
public static class LossReference
{
    /// <summary>
    /// loss = (1/N)·Σ_n (logsumexp(z[n]) − z[n, label[n]]); dlogits = (softmax(z) − onehot(label))/N.
    /// The max is subtracted before exp, so large logits stay finite.
    /// </summary>
    public static double SoftmaxCrossEntropy(double[] logits, int[] labels, int n, int k, out double[] dlogits)
    {
        dlogits = new double[n * k];
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = Math.Max(max, logits[(row * k) + j]);
            }

            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += Math.Exp(logits[(row * k) + j] - max);
            }

            double logSumExp = max + Math.Log(sum);
            total += logSumExp - logits[(row * k) + labels[row]];
            for (int j = 0; j < k; j++)
            {
                double p = Math.Exp(logits[(row * k) + j] - logSumExp);
                dlogits[(row * k) + j] = (p - (j == labels[row] ? 1 : 0)) / n;
            }
        }

        return total / n;
    }
}
