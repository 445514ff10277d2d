using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>An invertible <see cref="ICouplingLayer"/>: the pair form of <see cref="IReversibleLayer"/>.</summary>
internal interface IInvertibleCoupling : ICouplingLayer, IReversibleLayer
{
    /// <summary>Evaluation-mode inverse on halves (borrowed); returns the input halves (owned).</summary>
    (Tensor X1, Tensor X2) InversePair(Tensor y1, Tensor y2);

    /// <summary>
    /// The fused memory-free backward on halves. <b>Consumes</b> all four arguments (their buffers are reused
    /// in place or disposed) and returns the rebuilt input halves and their gradients, owned by the caller.
    /// </summary>
    (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) BackwardFromOutputPair(Tensor y1, Tensor y2, Tensor dy1, Tensor dy2);
}
