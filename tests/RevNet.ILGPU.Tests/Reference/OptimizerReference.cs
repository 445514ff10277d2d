namespace RevNet.ILGPU.Tests.Reference;

/// <summary>Double-precision SGD and Adam steps with PyTorch's formulas; every array is updated in place.</summary>
public static class OptimizerReference
{
    /// <summary>
    /// g' = g + weightDecay·w; v = momentum·v + g'; w −= lr·(nesterov ? g' + momentum·v : v)
    /// (torch.optim.SGD with dampening 0).
    /// </summary>
    public static void SgdStep(
        double[] w, double[] g, double[] velocity, double lr, double momentum, double weightDecay, bool nesterov)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double grad = g[i] + (weightDecay * w[i]);
            velocity[i] = (momentum * velocity[i]) + grad;
            double update = nesterov ? grad + (momentum * velocity[i]) : velocity[i];
            w[i] -= lr * update;
        }
    }

    /// <summary>
    /// torch.optim.Adam (decoupled = AdamW): g' = g + wd·w unless decoupled; m = b1·m + (1−b1)·g';
    /// v = b2·v + (1−b2)·g'²; w −= lr·m̂/(sqrt(v̂) + eps) with m̂ = m/(1−b1^t), v̂ = v/(1−b2^t); decoupled also
    /// subtracts lr·wd·w (from the weight before this step).
    /// </summary>
    public static void AdamStep(
        double[] w, double[] g, double[] m, double[] v, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool decoupled, int step)
    {
        double correction1 = 1 - Math.Pow(beta1, step);
        double correction2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < w.Length; i++)
        {
            double grad = decoupled ? g[i] : g[i] + (weightDecay * w[i]);
            m[i] = (beta1 * m[i]) + ((1 - beta1) * grad);
            v[i] = (beta2 * v[i]) + ((1 - beta2) * grad * grad);
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            double decay = decoupled ? lr * weightDecay * w[i] : 0;
            w[i] -= (lr * mHat / (Math.Sqrt(vHat) + eps)) + decay;
        }
    }
}
