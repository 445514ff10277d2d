using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>SGD and Adam updates: one fused SIMD loop per parameter, split across cores for big tensors.</summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public unsafe void SgdStep(
        Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        var hp = new SgdParameters(lr, momentum, weightDecay, nesterov);
        fixed (float* pw = w.Span, pg = g.Span, pv = velocity.Span)
        {
            float* xw = pw;
            float* xg = pg;
            float* xv = pv;
            ParallelRanges((int)w.ElementCount, 4, (s, e) =>
            {
                switch (SimdWidth)
                {
                    case 512:
                        SgdKernel<Simd512, Vector512<float>>(xw + s, xg + s, xv + s, e - s, hp);
                        break;
                    case 256:
                        SgdKernel<Simd256, Vector256<float>>(xw + s, xg + s, xv + s, e - s, hp);
                        break;
                    default:
                        SgdKernel<Simd128, Vector128<float>>(xw + s, xg + s, xv + s, e - s, hp);
                        break;
                }
            });
        }
    }

    /// <inheritdoc />
    public unsafe void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step)
    {
        double bias1 = 1.0 - Math.Pow(beta1, step);
        double bias2 = 1.0 - Math.Pow(beta2, step);
        var hp = new AdamParameters(
            beta1, 1f - beta1, beta2, 1f - beta2, eps,
            decoupled ? 0f : weightDecay,
            decoupled ? 1f - (lr * weightDecay) : 1f,
            (float)(lr / bias1),
            (float)Math.Sqrt(bias2));
        fixed (float* pw = w.Span, pg = g.Span, pm = m.Span, pv = v.Span)
        {
            float* xw = pw;
            float* xg = pg;
            float* xm = pm;
            float* xv = pv;
            ParallelRanges((int)w.ElementCount, 8, (s, e) =>
            {
                switch (SimdWidth)
                {
                    case 512:
                        AdamKernel<Simd512, Vector512<float>>(xw + s, xg + s, xm + s, xv + s, e - s, hp);
                        break;
                    case 256:
                        AdamKernel<Simd256, Vector256<float>>(xw + s, xg + s, xm + s, xv + s, e - s, hp);
                        break;
                    default:
                        AdamKernel<Simd128, Vector128<float>>(xw + s, xg + s, xm + s, xv + s, e - s, hp);
                        break;
                }
            });
        }
    }

    /// <summary>g' = g + wd·w; v = μ·v + g'; w −= lr·(nesterov ? g' + μ·v : v).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SgdKernel<TS, TV>(float* w, float* g, float* v, int length, SgdParameters hp)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        TV lr = TS.Splat(hp.Lr);
        TV mu = TS.Splat(hp.Momentum);
        TV wd = TS.Splat(hp.WeightDecay);
        int i = 0;
        for (; i <= length - TS.Count; i += TS.Count)
        {
            TV wi = TS.Load(w + i);
            TV gp = TS.Fma(wd, wi, TS.Load(g + i));
            TV vi = TS.Fma(mu, TS.Load(v + i), gp);
            TS.Store(vi, v + i);
            TV update = hp.Nesterov ? TS.Fma(mu, vi, gp) : vi;
            TS.Store(TS.Fnma(lr, update, wi), w + i);
        }

        for (; i < length; i++)
        {
            float gp = MathF.FusedMultiplyAdd(hp.WeightDecay, w[i], g[i]);
            float vi = MathF.FusedMultiplyAdd(hp.Momentum, v[i], gp);
            v[i] = vi;
            float update = hp.Nesterov ? MathF.FusedMultiplyAdd(hp.Momentum, vi, gp) : vi;
            w[i] = MathF.FusedMultiplyAdd(-hp.Lr, update, w[i]);
        }
    }

    /// <summary>
    /// g' = g + wd·w (coupled only); m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²;
    /// w = decay·w − stepSize·m / (√v / √bias2 + eps), decay = 1 − lr·wd for AdamW else 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AdamKernel<TS, TV>(float* w, float* g, float* m, float* v, int length, AdamParameters hp)
        where TS : struct, ISimd<TV>
        where TV : struct
    {
        TV b1 = TS.Splat(hp.Beta1);
        TV ob1 = TS.Splat(hp.OneMinusBeta1);
        TV b2 = TS.Splat(hp.Beta2);
        TV ob2 = TS.Splat(hp.OneMinusBeta2);
        TV eps = TS.Splat(hp.Eps);
        TV wd = TS.Splat(hp.CoupledDecay);
        TV decay = TS.Splat(hp.DecoupledFactor);
        TV stepSize = TS.Splat(hp.StepSize);
        TV sqrtBias2 = TS.Splat(hp.SqrtBias2);
        int i = 0;
        for (; i <= length - TS.Count; i += TS.Count)
        {
            TV wi = TS.Load(w + i);
            TV gp = TS.Fma(wd, wi, TS.Load(g + i));
            TV mi = TS.Fma(b1, TS.Load(m + i), TS.Mul(ob1, gp));
            TV vi = TS.Fma(b2, TS.Load(v + i), TS.Mul(ob2, TS.Mul(gp, gp)));
            TS.Store(mi, m + i);
            TS.Store(vi, v + i);
            TV denom = TS.Add(TS.Div(TS.Sqrt(vi), sqrtBias2), eps);
            TS.Store(TS.Fnma(stepSize, TS.Div(mi, denom), TS.Mul(decay, wi)), w + i);
        }

        for (; i < length; i++)
        {
            float wi = w[i];
            float gp = MathF.FusedMultiplyAdd(hp.CoupledDecay, wi, g[i]);
            float mi = MathF.FusedMultiplyAdd(hp.Beta1, m[i], hp.OneMinusBeta1 * gp);
            float vi = MathF.FusedMultiplyAdd(hp.Beta2, v[i], hp.OneMinusBeta2 * (gp * gp));
            m[i] = mi;
            v[i] = vi;
            float denom = (MathF.Sqrt(vi) / hp.SqrtBias2) + hp.Eps;
            w[i] = MathF.FusedMultiplyAdd(-hp.StepSize, mi / denom, hp.DecoupledFactor * wi);
        }
    }

    private readonly record struct SgdParameters(float Lr, float Momentum, float WeightDecay, bool Nesterov);

    private readonly record struct AdamParameters(
        float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float Eps, float CoupledDecay,
        float DecoupledFactor, float StepSize, float SqrtBias2);
}
