using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>Hyperparameters of one optimizer step; host-side constants (bias corrections) are precomputed.</summary>
/// <param name="Count">Parameter elements.</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="Lr">Learning rate.</param>
/// <param name="Beta1">SGD momentum, or Adam's beta1.</param>
/// <param name="Beta2">Adam's beta2 (unused by SGD).</param>
/// <param name="Eps">Adam's epsilon (unused by SGD).</param>
/// <param name="WeightDecay">Weight decay.</param>
/// <param name="Flag">SGD: 1 for Nesterov momentum. Adam: 1 for decoupled weight decay (AdamW).</param>
/// <param name="StepSize">Adam: lr / (1 − beta1^t).</param>
/// <param name="SqrtBias2">Adam: sqrt(1 − beta2^t).</param>
internal readonly record struct OptimizerArgs(
    int Count, int Stride, float Lr, float Beta1, float Beta2,
    float Eps, float WeightDecay, int Flag, float StepSize, float SqrtBias2);

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
