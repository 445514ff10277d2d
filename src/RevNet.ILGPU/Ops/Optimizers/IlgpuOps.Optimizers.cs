using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>Optimizer steps (SGD, Adam).</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        int count = Count(w);
        int threads = Threads(count);
        _kernels.Launch(OptimizerKernels.Sgd, threads, g.View, w.View, velocity.View,
            new OptimizerArgs(count, threads, lr, momentum, 0f, 0f, weightDecay, nesterov ? 1 : 0, 0f, 1f));
    }

    /// <inheritdoc />
    public void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step)
    {
        int count = Count(w);
        double bias1 = 1.0 - Math.Pow(beta1, step);
        double bias2 = 1.0 - Math.Pow(beta2, step);
        int threads = Threads(count);
        _kernels.Launch(
            OptimizerKernels.Adam,
            threads,
            g.View,
            w.View,
            m.View,
            v.View,
            new OptimizerArgs(
                count, threads, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, (float)(lr / bias1),
                (float)Math.Sqrt(bias2)));
    }
}
