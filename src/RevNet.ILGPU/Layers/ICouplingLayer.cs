using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A coupling unit that works on the two channel halves as two tensors, so a run of couplings inside a
/// <see cref="Sequential"/> splits once and concatenates once instead of at every unit.
/// </summary>
/// <remarks>
/// In <see cref="ForwardMode.Train"/> and <see cref="ForwardMode.Recompute"/> the unit keeps references to its
/// inputs <b>and to its first output</b> (G's input): the caller keeps all of them alive until
/// <see cref="BackwardPair"/>.
/// </remarks>
internal interface ICouplingLayer : IModalLayer
{
    /// <summary>Runs the unit on the halves (borrowed); returns the output halves (owned by the caller).</summary>
    (Tensor Y1, Tensor Y2) ForwardPair(Tensor x1, Tensor x2, ForwardMode mode);

    /// <summary>Back-propagates through the last saving forward; dy halves borrowed, dx halves owned.</summary>
    (Tensor Dx1, Tensor Dx2) BackwardPair(Tensor dy1, Tensor dy2);

    /// <summary>After a <see cref="ForwardMode.TrainNoSave"/> forward: recomputes once and back-propagates.</summary>
    (Tensor Dx1, Tensor Dx2) RecomputeBackwardPair(Tensor x1, Tensor x2, Tensor dy1, Tensor dy2)
    {
        (Tensor y1, Tensor y2) = ForwardPair(x1, x2, ForwardMode.Recompute);
        y2.Dispose(); // backward needs only y1 (G's input)
        try
        {
            return BackwardPair(dy1, dy2);
        }
        finally
        {
            y1.Dispose();
        }
    }
}
