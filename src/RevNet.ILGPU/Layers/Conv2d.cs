using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// 2-D convolution without bias: x [N, C, H, W] → y [N, K, P, Q], square kernel, zero padding. Weights start
/// Kaiming-normal in fan-out mode (std = sqrt(2 / (K·R·S))) from a seed, as the RevNet authors' code.
/// </summary>
/// <remarks>A keeping forward keeps a reference to its input: keep the input alive until <see cref="Layer.Backward"/>.</remarks>
public sealed class Conv2d : Layer
{
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
        : base(name)
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
        Weight = AddParameter(device, "weight", new Shape(outChannels, inChannels, kernelSize, kernelSize));
        Initializers.KaimingNormalFanOut(Weight.Value, seed);
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
    public override Shape GetOutputShape(Shape input)
    {
        Conv2dGeometry g = Geometry(input);
        return new Shape(g.N, g.K, g.P, g.Q);
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input) => ReadyFor(input);

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Conv2dGeometry g = Geometry(input.Shape);
        Tensor y = LayerKit.Activation(input.Device, new Shape(g.N, g.K, g.P, g.Q));
        TensorOps.Conv2dForward(input, Weight.Value, y, g);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Conv2dGeometry g = Geometry(input.Shape);
        TensorOps.Conv2dBackwardWeight(input, outputGradient, Weight.Gradient!, g);
        Tensor dx = LayerKit.Workspace(input.Device, input.Shape);
        TensorOps.Conv2dBackwardInput(outputGradient, Weight.Value, dx, g);
        return dx;
    }

    private Conv2dGeometry Geometry(Shape input) => TensorOps.ConvGeometry(input, Weight.Shape, Stride, Padding);
}
