using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Adam (Kingma and Ba) as PyTorch, with bias correction; <c>decoupled</c> weight decay gives AdamW:
/// m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr·m̂ / (√v̂ + ε).
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (finite, ≥ 0).</param>
    /// <param name="beta1">The first-moment decay, in [0, 1).</param>
    /// <param name="beta2">The second-moment decay, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (finite, &gt; 0).</param>
    /// <param name="weightDecay">Weight decay (finite, ≥ 0): L2 added to the gradient, or decoupled (AdamW).</param>
    /// <param name="decoupled">Whether weight decay is decoupled from the gradient (AdamW).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Adam(
        float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f,
        bool decoupled = false)
        : base(learningRate, "m", "v")
    {
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"Invalid beta1: {beta1}; expected [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"Invalid beta2: {beta2}; expected [0, 1).");
        }

        if (!(epsilon > 0) || float.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"Invalid epsilon: {epsilon}; expected a finite value > 0.");
        }

        CheckNonNegative(weightDecay, "weight decay", nameof(weightDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Decoupled = decoupled;
    }

    /// <inheritdoc />
    public override string Kind => Decoupled ? "adamw" : "adam";

    /// <summary>β1.</summary>
    public float Beta1 { get; }

    /// <summary>β2.</summary>
    public float Beta2 { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>The weight decay.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether weight decay is decoupled (AdamW).</summary>
    public bool Decoupled { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Decoupled ? "AdamW" : "Adam")}(lr {LearningRate}, betas ({Beta1}, {Beta2}), eps {Epsilon}, weight decay {WeightDecay})";

    /// <inheritdoc />
    protected override void Update(Tensor value, Tensor gradient, Tensor[] state, int step) =>
        TensorOps.AdamStep(value, gradient, state[0], state[1], LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Decoupled, step);
}
