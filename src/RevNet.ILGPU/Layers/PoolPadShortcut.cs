using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// The basic unit's parameter-free shortcut: 2x2 average pooling when the stride is 2, then zero channels on
/// both sides up to the output width (the RevNet authors' code). Keeps only the input shape for backward.
/// </summary>
public sealed class PoolPadShortcut : ILayer, IModalLayer
{
    private Shape? _savedShape;
    private ComputeDevice? _device;

    /// <summary>Creates the shortcut.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels (at least the input's; the difference must be even).</param>
    /// <param name="stride">1 or 2.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the stride is not 1 or 2.</exception>
    public PoolPadShortcut(int inChannels, int outChannels, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, inChannels);
        if ((outChannels - inChannels) % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(outChannels), outChannels, $"The channel growth {inChannels} → {outChannels} must be even.");
        }

        if (stride is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "Expected stride 1 or 2.");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>The pooling stride (1: no pooling).</summary>
    public int Stride { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers => [];

    /// <inheritdoc />
    bool IModalLayer.IsComposite => false;

    /// <inheritdoc />
    bool IModalLayer.NeedsInput => false;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input)
    {
        GetOutputShape(input.Shape);
        _savedShape = input.Shape;
        _device = input.Device;
    }

    private int Before => (OutChannels - InChannels) / 2;

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
    {
        if (input.Rank != 4 || input[1] != InChannels || (Stride == 2 && (input[2] % 2 != 0 || input[3] % 2 != 0)))
        {
            throw new ArgumentException(
                $"Expected [N, {InChannels}, H, W]{(Stride == 2 ? " with even H and W" : string.Empty)}, got {input}.",
                nameof(input));
        }

        return new Shape(input[0], OutChannels, input[2] / Stride, input[3] / Stride);
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Shape shape = _savedShape ?? throw LayerKit.NoForward(this);
        _savedShape = null;
        if (Stride == 1)
        {
            Tensor dx1 = LayerKit.Workspace(_device!, shape);
            TensorOps.PadChannelsBackward(outputGradient, dx1, Before);
            return dx1;
        }

        Tensor dPooled = LayerKit.Workspace(_device!, new Shape(shape[0], InChannels, shape[2] / 2, shape[3] / 2));
        TensorOps.PadChannelsBackward(outputGradient, dPooled, Before);
        Tensor dx = LayerKit.Workspace(_device!, shape);
        TensorOps.AvgPool2x2Backward(dPooled, dx);
        dPooled.Dispose();
        return dx;
    }

    /// <inheritdoc />
    public void Dispose() => _savedShape = null;

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Shape outShape = GetOutputShape(input.Shape);
        ComputeDevice device = input.Device;
        Tensor y = LayerKit.Activation(device, outShape);
        if (Stride == 1)
        {
            TensorOps.PadChannels(input, y, Before);
        }
        else
        {
            Tensor pooled = LayerKit.Workspace(device, new Shape(outShape[0], InChannels, outShape[2], outShape[3]));
            TensorOps.AvgPool2x2Forward(input, pooled);
            TensorOps.PadChannels(pooled, y, Before);
            pooled.Dispose();
        }

        _savedShape = LayerKit.Keeps(mode) ? input.Shape : null;
        _device = device;
        return y;
    }
}
