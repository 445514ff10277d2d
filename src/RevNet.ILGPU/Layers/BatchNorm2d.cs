using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Batch normalisation over [N, C, H, W] per channel, optionally fused with a ReLU:
/// y = gamma·(x − mean)·invStd + beta (then max(y, 0)). Training uses batch statistics and updates the running
/// statistics (PyTorch's momentum and unbiased-variance conventions); evaluation uses the running statistics.
/// </summary>
/// <remarks>
/// A training forward keeps only the per-channel batch mean and inverse std (O(C)) plus a reference to its input
/// (keep it alive until <see cref="Backward"/>); the fused ReLU's mask is recomputed from them in backward. When a
/// reversible graph recomputes the layer, it reuses the saved statistics (bit-identical output for the same
/// input) and does not update the running statistics a second time.
/// </remarks>
public sealed class BatchNorm2d : ILayer, IModalLayer
{
    private Tensor? _savedInput;
    private Tensor? _mean;
    private Tensor? _invStd;

    /// <summary>Creates the layer: gamma = 1, beta = 0, running mean 0 and variance 1.</summary>
    /// <param name="device">The device.</param>
    /// <param name="channels">C.</param>
    /// <param name="relu">Whether a ReLU follows (fused).</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="momentum">Weight of the batch statistics in the running update.</param>
    /// <param name="name">Prefix of the parameter names (<c>name.weight</c>, <c>name.bias</c>,
    /// <c>name.running_mean</c>, <c>name.running_var</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">channels is not positive, eps not positive or momentum
    /// outside [0, 1].</exception>
    public BatchNorm2d(
        ComputeDevice device, int channels, bool relu = false, float eps = 1e-5f, float momentum = 0.1f, string name = "bn")
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eps);
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Invalid momentum; expected [0, 1].");
        }

        Channels = channels;
        Relu = relu;
        Eps = eps;
        Momentum = momentum;
        var shape = new Shape(channels);
        Gamma = new Parameter(device, name + ".weight", shape);
        Beta = new Parameter(device, name + ".bias", shape);
        RunningMean = new Parameter(device, name + ".running_mean", shape, trainable: false);
        RunningVar = new Parameter(device, name + ".running_var", shape, trainable: false);
        TensorOps.Fill(Gamma.Value, 1f);
        TensorOps.Fill(Beta.Value, 0f);
        TensorOps.Fill(RunningMean.Value, 0f);
        TensorOps.Fill(RunningVar.Value, 1f);
        Parameters = [Gamma, Beta];
        Buffers = [RunningMean, RunningVar];
    }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>Whether a ReLU is fused after the normalisation.</summary>
    public bool Relu { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>Weight of the batch statistics in the running update.</summary>
    public float Momentum { get; }

    /// <summary>Scale, [C].</summary>
    public Parameter Gamma { get; }

    /// <summary>Shift, [C].</summary>
    public Parameter Beta { get; }

    /// <summary>Running mean, [C] (not trainable).</summary>
    public Parameter RunningMean { get; }

    /// <summary>Running (unbiased) variance, [C] (not trainable).</summary>
    public Parameter RunningVar { get; }

    /// <summary>How many times the running statistics were updated (once per training forward).</summary>
    public long RunningUpdates { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers { get; }

    /// <inheritdoc />
    bool IModalLayer.IsComposite => false;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input)
    {
        CheckShape(input.Shape, nameof(input));
        if (_mean is null)
        {
            throw new InvalidOperationException(
                "BatchNorm2d recompute without the statistics of a preceding training forward.");
        }

        _savedInput = input;
    }

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
    {
        CheckShape(input, nameof(input));
        return input;
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckShape(input.Shape, nameof(input));
        ComputeDevice device = input.Device;
        if (mode == ForwardMode.Inference)
        {
            Tensor invStd = LayerKit.Workspace(device, new Shape(Channels));
            TensorOps.BatchNormInvStd(RunningVar.Value, Eps, invStd);
            Tensor yEval = LayerKit.Activation(device, input.Shape);
            TensorOps.BatchNormApply(input, RunningMean.Value, invStd, Gamma.Value, Beta.Value, yEval, Relu);
            invStd.Dispose();
            return yEval;
        }

        if (mode == ForwardMode.Recompute)
        {
            if (_mean is null || _invStd is null)
            {
                throw new InvalidOperationException(
                    "BatchNorm2d recompute without the statistics of a preceding training forward.");
            }
        }
        else
        {
            long count = input.ElementCount / Channels;
            if (count < 2)
            {
                throw new ArgumentException(
                    $"Batch norm in training needs more than one value per channel, got {input.Shape}.", nameof(input));
            }

            ReleaseSaved();
            _mean = LayerKit.Activation(device, new Shape(Channels));
            _invStd = LayerKit.Activation(device, new Shape(Channels));
            TensorOps.BatchNormStatistics(input, _mean, _invStd, Eps);
            TensorOps.BatchNormUpdateRunning(_mean, _invStd, RunningMean.Value, RunningVar.Value, Momentum, Eps, count);
            RunningUpdates++;
        }

        Tensor y = LayerKit.Activation(device, input.Shape);
        TensorOps.BatchNormApply(input, _mean, _invStd, Gamma.Value, Beta.Value, y, Relu);
        _savedInput = LayerKit.Keeps(mode) ? input : null;
        return y;
    }

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor x = _savedInput ?? throw LayerKit.NoForward(this);
        Tensor mean = _mean!;
        Tensor invStd = _invStd!;
        ComputeDevice device = x.Device;
        Tensor dx = LayerKit.Workspace(device, x.Shape);
        if (Relu)
        {
            // Rebuild the ReLU mask from x and the saved statistics instead of keeping the output.
            Tensor masked = LayerKit.Workspace(device, x.Shape);
            TensorOps.BatchNormApply(x, mean, invStd, Gamma.Value, Beta.Value, dx, relu: true);
            TensorOps.ReluBackward(dx, outputGradient, masked);
            TensorOps.BatchNormBackward(x, masked, mean, invStd, Gamma.Value, dx, Gamma.Gradient!, Beta.Gradient!);
            masked.Dispose();
        }
        else
        {
            TensorOps.BatchNormBackward(x, outputGradient, mean, invStd, Gamma.Value, dx, Gamma.Gradient!, Beta.Gradient!);
        }

        ReleaseSaved();
        return dx;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseSaved();
        Gamma.Dispose();
        Beta.Dispose();
        RunningMean.Dispose();
        RunningVar.Dispose();
    }

    private void ReleaseSaved()
    {
        _savedInput = null;
        _mean?.Dispose();
        _invStd?.Dispose();
        _mean = null;
        _invStd = null;
    }

    private void CheckShape(Shape input, string paramName)
    {
        if (input.Rank < 2 || input[1] != Channels)
        {
            throw new ArgumentException($"Expected [N, {Channels}, ...], got {input}.", paramName);
        }
    }
}
