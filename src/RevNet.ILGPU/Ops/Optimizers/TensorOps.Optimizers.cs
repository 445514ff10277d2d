using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>Optimizer steps (SGD, Adam).</summary>
public static partial class TensorOps
{
    /// <summary>One SGD step (PyTorch semantics) on one parameter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is negative or not finite.</exception>
    public static void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(velocity);
        NonNegative(lr, "learning rate", nameof(lr));
        NonNegative(momentum, "momentum", nameof(momentum));
        NonNegative(weightDecay, "weight decay", nameof(weightDecay));
        if (nesterov && momentum <= 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Nesterov momentum requires a momentum > 0.");
        }

        SameShape(w, g, nameof(g));
        SameShape(w, velocity, nameof(velocity));
        using OpScope op = Op(nameof(SgdStep), w, g, velocity);
        op.Ops.SgdStep(w, g, velocity, lr, momentum, weightDecay, nesterov);
    }

    /// <summary>One Adam (or AdamW when decoupled) step on one parameter; step counts from 1.</summary>
    public static void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        NonNegative(lr, "learning rate", nameof(lr));
        NonNegative(weightDecay, "weight decay", nameof(weightDecay));
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"Invalid beta1: {beta1}; expected [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"Invalid beta2: {beta2}; expected [0, 1).");
        }

        Positive(eps, "eps", nameof(eps));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        SameShape(w, g, nameof(g));
        SameShape(w, m, nameof(m));
        SameShape(w, v, nameof(v));
        using OpScope op = Op(nameof(AdamStep), w, g, m, v);
        op.Ops.AdamStep(w, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }
}
