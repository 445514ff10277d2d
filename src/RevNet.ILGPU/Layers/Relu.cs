using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>y = max(x, 0). A keeping forward keeps a reference to its input (its sign is the mask).</summary>
/// <param name="name">A name for reports.</param>
public sealed class Relu(string name = "relu") : Layer(name)
{
    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input) => input;

    /// <inheritdoc />
    public override void Recompute(Tensor input) => ReadyFor(input);

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor y = LayerKit.Activation(input.Device, input.Shape);
        TensorOps.ReluForward(input, y);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Tensor dx = LayerKit.Workspace(input.Device, input.Shape);
        TensorOps.ReluBackward(input, outputGradient, dx); // x > 0 exactly where max(x, 0) > 0
        return dx;
    }
}
