using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>y = max(x, 0). A training forward keeps a reference to its input (its sign is the mask).</summary>
public sealed class Relu : ILayer, IModalLayer
{
    private Tensor? _savedInput;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers => [];

    /// <inheritdoc />
    bool IModalLayer.IsComposite => false;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input) => _savedInput = input;

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input) => input;

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
        TensorOps.ReluBackward(x, outputGradient, dx); // x > 0 exactly where max(x, 0) > 0
        return dx;
    }

    /// <inheritdoc />
    public void Dispose() => _savedInput = null;

    /// <summary>Runs the layer in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor y = LayerKit.Activation(input.Device, input.Shape);
        TensorOps.ReluForward(input, y);
        _savedInput = LayerKit.Keeps(mode) ? input : null;
        return y;
    }
}
