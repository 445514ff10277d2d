using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Fully connected layer y = x·wᵀ + b: x [N, In] (or [N, In, 1, 1]) → y [N, Out]. Weight and bias start
/// U(−1/√In, 1/√In) from a seed (PyTorch's default).
/// </summary>
/// <remarks>A keeping forward keeps a reference to its input: keep it alive until <see cref="Layer.Backward"/>.</remarks>
public sealed class Linear : Layer
{
    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="device">The device.</param>
    /// <param name="inFeatures">In.</param>
    /// <param name="outFeatures">Out.</param>
    /// <param name="seed">The initialisation seed.</param>
    /// <param name="name">The parameter name prefix (<c>name.weight</c>, <c>name.bias</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Linear(ComputeDevice device, int inFeatures, int outFeatures, int seed = 0, string name = "fc")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter(device, "weight", new Shape(outFeatures, inFeatures));
        Bias = AddParameter(device, "bias", new Shape(outFeatures));
        Initializers.LinearUniform(Weight.Value, inFeatures, seed);
        Initializers.LinearUniform(Bias.Value, inFeatures, unchecked((seed * 31) + 17));
    }

    /// <summary>In.</summary>
    public int InFeatures { get; }

    /// <summary>Out.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight [Out, In].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [Out].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        if (input.ElementCount != (long)input[0] * InFeatures)
        {
            throw new ArgumentException($"Expected [N, {InFeatures}], got {input}.", nameof(input));
        }

        return new Shape(input[0], OutFeatures);
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input) => ReadyFor(input);

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor y = LayerKit.Activation(input.Device, GetOutputShape(input.Shape));
        TensorOps.LinearForward(input, Weight.Value, Bias.Value, y);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Tensor dx = LayerKit.Workspace(input.Device, input.Shape);
        TensorOps.LinearBackward(input, Weight.Value, outputGradient, dx, Weight.Gradient!, Bias.Gradient!);
        return dx;
    }
}
