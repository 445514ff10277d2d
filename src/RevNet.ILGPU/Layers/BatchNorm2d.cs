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
/// A training forward (<see cref="ForwardMode.Train"/> or <see cref="ForwardMode.TrainNoSave"/>) computes the batch
/// statistics, updates the running statistics once and keeps only the per-channel mean and inverse std (O(C));
/// a <see cref="ForwardMode.Recompute"/> reuses them (bit-identical output for the same input) and never updates the
/// running statistics. The fused ReLU's mask is rebuilt from the input and the statistics in backward, so nothing
/// but a reference to the input (kept alive by the caller) is held.
/// </remarks>
public sealed class BatchNorm2d : Layer
{
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
        : base(name)
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
        Gamma = AddParameter(device, "weight", shape);
        Beta = AddParameter(device, "bias", shape);
        TensorOps.Fill(Gamma.Value, 1f);
        TensorOps.Fill(Beta.Value, 0f);
        RunningMean = AddBuffer(device, "running_mean", shape, 0f);
        RunningVar = AddBuffer(device, "running_var", shape, 1f);
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
    public override Shape GetOutputShape(Shape input)
    {
        CheckShape(input, nameof(input));
        return input;
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckShape(input.Shape, nameof(input));
        RequireStatistics();
        ReadyFor(input);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
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

        if (mode.UpdatesStatistics())
        {
            long count = input.ElementCount / Channels;
            if (count < 2)
            {
                throw new ArgumentException(
                    $"Batch norm in training needs more than one value per channel, got {input.Shape}.", nameof(input));
            }

            ReleaseStatistics();
            _mean = LayerKit.Activation(device, new Shape(Channels));
            _invStd = LayerKit.Activation(device, new Shape(Channels));
            TensorOps.BatchNormStatistics(input, _mean, _invStd, Eps);
            TensorOps.BatchNormUpdateRunning(_mean, _invStd, RunningMean.Value, RunningVar.Value, Momentum, Eps, count);
            RunningUpdates++;
        }
        else
        {
            RequireStatistics();
        }

        Tensor y = LayerKit.Activation(device, input.Shape);
        TensorOps.BatchNormApply(input, _mean!, _invStd!, Gamma.Value, Beta.Value, y, Relu);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        ComputeDevice device = input.Device;
        Tensor dx = LayerKit.Workspace(device, input.Shape);
        if (Relu)
        {
            // Rebuild the ReLU mask from x and the saved statistics instead of keeping the output.
            using Tensor masked = LayerKit.Workspace(device, input.Shape);
            TensorOps.BatchNormApply(input, _mean!, _invStd!, Gamma.Value, Beta.Value, dx, relu: true);
            TensorOps.ReluBackward(dx, outputGradient, masked);
            TensorOps.BatchNormBackward(input, masked, _mean!, _invStd!, Gamma.Value, dx, Gamma.Gradient!, Beta.Gradient!);
        }
        else
        {
            TensorOps.BatchNormBackward(input, outputGradient, _mean!, _invStd!, Gamma.Value, dx, Gamma.Gradient!, Beta.Gradient!);
        }

        ReleaseStatistics();
        return dx;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        ReleaseStatistics();
        base.Dispose(disposing);
    }

    private void RequireStatistics()
    {
        if (_mean is null || _invStd is null)
        {
            throw new InvalidOperationException(
                $"BatchNorm2d '{Name}': a recompute needs the statistics of a preceding training forward "
                + "(ForwardMode.Train or TrainNoSave) since the last backward.");
        }
    }

    private void ReleaseStatistics()
    {
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
