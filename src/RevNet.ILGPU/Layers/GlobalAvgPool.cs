using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Global average pooling: x [N, C, H, W] → y [N, C]. Backward needs only the input's shape.</summary>
/// <param name="name">A name for reports.</param>
public sealed class GlobalAvgPool(string name = "pool") : Layer(name)
{
    /// <inheritdoc />
    public override LayerTraits Traits => LayerTraits.ShapeOnlyBackward;

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"Expected [N, C, H, W], got {input}.", nameof(input));
        }

        return new Shape(input[0], input[1]);
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input) => ReadyFor(input);

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor y = LayerKit.Activation(input.Device, GetOutputShape(input.Shape));
        TensorOps.GlobalAvgPoolForward(input, y);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Tensor dx = LayerKit.Workspace(input.Device, input.Shape);
        TensorOps.GlobalAvgPoolBackward(outputGradient, dx);
        return dx;
    }
}
