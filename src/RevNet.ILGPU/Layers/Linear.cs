using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Fully connected layer y = x·wᵀ + b: x [N, In] (or [N, In, 1, 1]) → y [N, Out]. Weight and bias start
/// U(−1/√In, 1/√In) from a seed (PyTorch's default).
/// </summary>
/// <remarks>A training forward keeps a reference to its input: keep it alive until <see cref="Backward"/>.</remarks>
public sealed class Linear : ILayer, IModalLayer
{
    private Tensor? _savedInput;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="device">The device.</param>
    /// <param name="inFeatures">In.</param>
    /// <param name="outFeatures">Out.</param>
    /// <param name="seed">The initialisation seed.</param>
    /// <param name="name">The parameter name prefix (<c>name.weight</c>, <c>name.bias</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Linear(ComputeDevice device, int inFeatures, int outFeatures, int seed = 0, string name = "fc")
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter(device, name + ".weight", new Shape(outFeatures, inFeatures));
        Bias = new Parameter(device, name + ".bias", new Shape(outFeatures));
        double bound = 1.0 / Math.Sqrt(inFeatures);
        LayerKit.InitUniform(Weight.Value, bound, seed);
        LayerKit.InitUniform(Bias.Value, bound, unchecked((seed * 31) + 17));
        Parameters = [Weight, Bias];
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
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers => [];

    /// <inheritdoc />
    bool IModalLayer.IsComposite => false;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input) => _savedInput = input;

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
    {
        if (input.ElementCount != (long)input[0] * InFeatures)
        {
            throw new ArgumentException($"Expected [N, {InFeatures}], got {input}.", nameof(input));
        }

        return new Shape(input[0], OutFeatures);
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor x = _savedInput ?? throw LayerKit.NoForward(this);
        _savedInput = null;
        Tensor dx = LayerKit.Workspace(x.Device, x.Shape);
        TensorOps.LinearBackward(x, Weight.Value, outputGradient, dx, Weight.Gradient!, Bias.Gradient!);
        return dx;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _savedInput = null;
        Weight.Dispose();
        Bias.Dispose();
    }

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor y = LayerKit.Activation(input.Device, GetOutputShape(input.Shape));
        TensorOps.LinearForward(input, Weight.Value, Bias.Value, y);
        _savedInput = LayerKit.Keeps(mode) ? input : null;
        return y;
    }
}
