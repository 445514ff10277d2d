using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// 2-D convolution without bias: x [N, C, H, W] → y [N, K, P, Q], square kernel, zero padding. Weights start
/// Kaiming-normal in fan-out mode (std = sqrt(2 / (K·R·S))) from a seed, as the RevNet authors' code.
/// </summary>
/// <remarks>A training forward keeps a reference to its input: keep the input alive until <see cref="Backward"/>.</remarks>
public sealed class Conv2d : ILayer, IModalLayer
{
    private Tensor? _savedInput;

    /// <summary>Creates the layer and initialises its weight.</summary>
    /// <param name="device">The device that holds the weight.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="outChannels">K.</param>
    /// <param name="kernelSize">R = S.</param>
    /// <param name="stride">The stride in both directions.</param>
    /// <param name="padding">Zero padding on each side; -1 means kernelSize / 2 ("same" for odd kernels).</param>
    /// <param name="seed">The initialisation seed.</param>
    /// <param name="name">The parameter name prefix (the weight is <c>name.weight</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Conv2d(
        ComputeDevice device, int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = -1,
        int seed = 0, string name = "conv")
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfLessThan(padding, -1);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding < 0 ? kernelSize / 2 : padding;
        Weight = new Parameter(device, name + ".weight", new Shape(outChannels, inChannels, kernelSize, kernelSize));
        LayerKit.InitNormal(Weight.Value, Math.Sqrt(2.0 / (outChannels * kernelSize * kernelSize)), seed);
        Parameters = [Weight];
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The stride.</summary>
    public int Stride { get; }

    /// <summary>The zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>The weight [K, C, R, S].</summary>
    public Parameter Weight { get; }

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
        Conv2dGeometry g = Geometry(input);
        return new Shape(g.N, g.K, g.P, g.Q);
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Conv2dGeometry g = Geometry(input.Shape);
        Tensor y = LayerKit.Activation(input.Device, new Shape(g.N, g.K, g.P, g.Q));
        TensorOps.Conv2dForward(input, Weight.Value, y, g);
        _savedInput = LayerKit.Keeps(mode) ? input : null;
        return y;
    }

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor x = _savedInput ?? throw LayerKit.NoForward(this);
        _savedInput = null;
        Conv2dGeometry g = Geometry(x.Shape);
        TensorOps.Conv2dBackwardWeight(x, outputGradient, Weight.Gradient!, g);
        Tensor dx = LayerKit.Workspace(x.Device, x.Shape);
        TensorOps.Conv2dBackwardInput(outputGradient, Weight.Value, dx, g);
        return dx;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _savedInput = null;
        Weight.Dispose();
    }

    private Conv2dGeometry Geometry(Shape input) => TensorOps.ConvGeometry(input, Weight.Shape, Stride, Padding);
}
