using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;

namespace RevNet.Examples.CustomLayers;

/// <summary>
/// A user-written layer: a 3x3 convolution followed by the library's <see cref="BatchNorm2d"/> with ReLU. It derives
/// from <see cref="Layer"/>, passes the <see cref="ForwardMode"/> it is given on to the layers it holds and hands the
/// intermediate its backward needs to <see cref="Layer.Save"/>. That is all it takes for the graph to treat it as it
/// treats library layers: inside a reversible block in Reconstruct mode it keeps nothing, its batch norm updates the
/// running statistics once per step, and the recompute reuses the saved statistics.
/// </summary>
public sealed class ConvBatchNorm : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="device">The device.</param>
    /// <param name="channels">Input and output channels.</param>
    /// <param name="seed">The convolution's initialisation seed.</param>
    /// <param name="name">The name (prefix of the parameter names).</param>
    public ConvBatchNorm(ComputeDevice device, int channels, int seed, string name)
        : base(name)
    {
        // Held layers are disposed with this one and their parameters and buffers become this layer's.
        Conv = Hold(new Conv2d(device, channels, channels, 3, seed: seed, name: name + ".conv"));
        BatchNorm = Hold(new BatchNorm2d(device, channels, relu: true, name: name + ".bn"));
    }

    /// <summary>The convolution inside.</summary>
    public Conv2d Conv { get; }

    /// <summary>The batch norm inside (to read its running statistics).</summary>
    public BatchNorm2d BatchNorm { get; }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input) => BatchNorm.GetOutputShape(Conv.GetOutputShape(input));

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor h = Conv.Forward(input, mode);
        Tensor y = BatchNorm.Forward(h, mode);
        Save(h); // kept for the backward when the mode keeps; disposed now when it does not
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        using Tensor dh = BatchNorm.Backward(outputGradient);
        return Conv.Backward(dh);
    }
}
