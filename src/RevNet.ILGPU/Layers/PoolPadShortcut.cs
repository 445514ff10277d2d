using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// The basic unit's parameter-free shortcut: 2x2 average pooling when the stride is 2, then zero channels on
/// both sides up to the output width (the RevNet authors' code). Backward needs only the input's shape.
/// </summary>
public sealed class PoolPadShortcut : Layer
{
    /// <summary>Creates the shortcut.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels (at least the input's; the difference must be even).</param>
    /// <param name="stride">1 or 2.</param>
    /// <param name="name">A name for reports.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the stride is not 1 or 2.</exception>
    public PoolPadShortcut(int inChannels, int outChannels, int stride, string name = "shortcut")
        : base(name)
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
    public override LayerTraits Traits => LayerTraits.ShapeOnlyBackward;

    private int Before => (OutChannels - InChannels) / 2;

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
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
    public override void Recompute(Tensor input)
    {
        GetOutputShape(input.Shape);
        ReadyFor(input);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Shape outShape = GetOutputShape(input.Shape);
        ComputeDevice device = input.Device;
        if (Stride == 1)
        {
            Tensor padded = LayerKit.Activation(device, outShape);
            TensorOps.PadChannels(input, padded, Before);
            return padded;
        }

        Tensor pooled = LayerKit.Workspace(device, new Shape(outShape[0], InChannels, outShape[2], outShape[3]));
        TensorOps.AvgPool2x2Forward(input, pooled);
        Tensor y = LayerKit.Activation(device, outShape);
        TensorOps.PadChannels(pooled, y, Before);
        pooled.Dispose();
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Shape shape = input.Shape;
        ComputeDevice device = input.Device;
        if (Stride == 1)
        {
            Tensor dx1 = LayerKit.Workspace(device, shape);
            TensorOps.PadChannelsBackward(outputGradient, dx1, Before);
            return dx1;
        }

        Tensor dPooled = LayerKit.Workspace(device, new Shape(shape[0], InChannels, shape[2] / 2, shape[3] / 2));
        TensorOps.PadChannelsBackward(outputGradient, dPooled, Before);
        Tensor dx = LayerKit.Workspace(device, shape);
        TensorOps.AvgPool2x2Backward(dPooled, dx);
        dPooled.Dispose();
        return dx;
    }
}
