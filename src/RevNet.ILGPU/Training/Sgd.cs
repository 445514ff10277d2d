using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Stochastic gradient descent with momentum, weight decay and optional Nesterov momentum, as PyTorch:
/// g' = g + wd·w; v = μ·v + g'; w −= lr·(nesterov ? g' + μ·v : v).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (finite, ≥ 0).</param>
    /// <param name="momentum">The momentum μ (finite, ≥ 0; 0 = plain SGD).</param>
    /// <param name="weightDecay">L2 weight decay (finite, ≥ 0).</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range, e.g. "Invalid learning rate: -0.1".</exception>
    public Sgd(float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(learningRate, "momentum")
    {
        CheckNonNegative(momentum, "momentum", nameof(momentum));
        CheckNonNegative(weightDecay, "weight decay", nameof(weightDecay));
        if (nesterov && momentum <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nesterov), "Nesterov momentum needs momentum > 0.");
        }

        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    /// <inheritdoc />
    public override string Kind => "sgd";

    /// <summary>The momentum.</summary>
    public float Momentum { get; }

    /// <summary>The weight decay.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"SGD(lr {LearningRate}, momentum {Momentum}, weight decay {WeightDecay}{(Nesterov ? ", nesterov" : string.Empty)})";

    /// <inheritdoc />
    protected override void Update(Tensor value, Tensor gradient, Tensor[] state, int step) =>
        TensorOps.SgdStep(value, gradient, state[0], LearningRate, Momentum, WeightDecay, Nesterov);
}
