using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Global average pooling: x [N, C, H, W] → y [N, C]. Keeps only the input shape for backward.</summary>
public sealed class GlobalAvgPool : ILayer, IModalLayer
{
    private Shape? _savedShape;
    private ComputeDevice? _device;

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
        _savedShape = input.Shape;
        _device = input.Device;
    }

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"Expected [N, C, H, W], got {input}.", nameof(input));
        }

        return new Shape(input[0], input[1]);
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
        Tensor dx = LayerKit.Workspace(_device!, shape);
        TensorOps.GlobalAvgPoolBackward(outputGradient, dx);
        return dx;
    }

    /// <inheritdoc />
    public void Dispose() => _savedShape = null;

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor y = LayerKit.Activation(input.Device, GetOutputShape(input.Shape));
        TensorOps.GlobalAvgPoolForward(input, y);
        _savedShape = LayerKit.Keeps(mode) ? input.Shape : null;
        _device = input.Device;
        return y;
    }
}
