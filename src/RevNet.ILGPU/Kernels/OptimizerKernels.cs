using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>Hyperparameters of one optimizer step; host-side constants (bias corrections) are precomputed.</summary>
internal readonly struct OptimizerArgs
{
    public OptimizerArgs(
        int count, int stride, float lr, float beta1, float beta2, float eps, float weightDecay, int flag,
        float stepSize, float sqrtBias2)
    {
        Count = count;
        Stride = stride;
        Lr = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        Flag = flag;
        StepSize = stepSize;
        SqrtBias2 = sqrtBias2;
    }

    /// <summary>Parameter elements.</summary>
    public int Count { get; }

    /// <summary>Threads launched (grid-stride loop).</summary>
    public int Stride { get; }

    /// <summary>Learning rate.</summary>
    public float Lr { get; }

    /// <summary>SGD momentum, or Adam's beta1.</summary>
    public float Beta1 { get; }

    /// <summary>Adam's beta2 (unused by SGD).</summary>
    public float Beta2 { get; }

    /// <summary>Adam's epsilon (unused by SGD).</summary>
    public float Eps { get; }

    /// <summary>Weight decay.</summary>
    public float WeightDecay { get; }

    /// <summary>SGD: 1 for Nesterov momentum. Adam: 1 for decoupled weight decay (AdamW).</summary>
    public int Flag { get; }

    /// <summary>Adam: lr / (1 − beta1^t).</summary>
    public float StepSize { get; }

    /// <summary>Adam: sqrt(1 − beta2^t).</summary>
    public float SqrtBias2 { get; }
}

/// <summary>Parameter updates, one thread per element (grid-stride): SGD with momentum and Adam/AdamW.</summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// g' = g + wd·w; v = momentum·v + g'; w −= lr·(nesterov ? g' + momentum·v : v) (PyTorch's SGD).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd(
        Index1D index, ArrayView<float> g, ArrayView<float> w, ArrayView<float> velocity, OptimizerArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float wi = w[i];
            float gi = g[i] + (a.WeightDecay * wi);
            float v = (a.Beta1 * velocity[i]) + gi;
            velocity[i] = v;
            float update = a.Flag != 0 ? gi + (a.Beta1 * v) : v;
            w[i] = wi - (a.Lr * update);
        }
    }

    /// <summary>
    /// Adam as PyTorch: g' = g + wd·w unless decoupled; m = b1·m + (1−b1)·g'; v = b2·v + (1−b2)·g'²;
    /// w −= (lr/(1−b1^t))·m / (sqrt(v)/sqrt(1−b2^t) + eps), and with decoupled decay also −lr·wd·w (old w).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam(
        Index1D index, ArrayView<float> g, ArrayView<float> w, ArrayView<float> m, ArrayView<float> v,
        OptimizerArgs a)
    {
        for (int i = index; i < a.Count; i += a.Stride)
        {
            float wi = w[i];
            float gi = a.Flag != 0 ? g[i] : g[i] + (a.WeightDecay * wi);
            float mi = (a.Beta1 * m[i]) + ((1f - a.Beta1) * gi);
            float vi = (a.Beta2 * v[i]) + ((1f - a.Beta2) * gi * gi);
            m[i] = mi;
            v[i] = vi;
            float denom = (MathF.Sqrt(vi) / a.SqrtBias2) + a.Eps;
            float decay = a.Flag != 0 ? a.Lr * a.WeightDecay * wi : 0f;
            w[i] = wi - (a.StepSize * mi / denom) - decay;
        }
    }
}
