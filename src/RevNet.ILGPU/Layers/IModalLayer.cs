using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>A library layer that understands every <see cref="ForwardMode"/>.</summary>
internal interface IModalLayer : ILayer
{
    /// <summary>
    /// Whether the layer keeps internals beyond its input in <see cref="ForwardMode.Train"/> (a graph of layers).
    /// A <see cref="Sequential"/> in <see cref="ActivationMode.Reconstruct"/> runs such a layer without saving and
    /// recomputes it in backward (keeping only its input).
    /// </summary>
    bool IsComposite { get; }

    /// <summary>Whether Backward reads the input tensor (pooling layers need only its shape).</summary>
    bool NeedsInput => true;

    /// <summary>Runs the layer in the given mode. The input is borrowed and must stay alive until Backward.</summary>
    Tensor Forward(Tensor input, ForwardMode mode);

    /// <summary>
    /// After a <see cref="ForwardMode.TrainNoSave"/> forward: does what a <see cref="ForwardMode.Recompute"/> forward
    /// does for Backward, without producing the output when the layer can skip it (a convolution only notes its
    /// input).
    /// </summary>
    void PrepareBackward(Tensor input) => Forward(input, ForwardMode.Recompute).Dispose();

    /// <summary>After a <see cref="ForwardMode.TrainNoSave"/> forward: recomputes the layer and back-propagates.</summary>
    Tensor RecomputeBackward(Tensor input, Tensor outputGradient)
    {
        PrepareBackward(input);
        return Backward(outputGradient);
    }
}
