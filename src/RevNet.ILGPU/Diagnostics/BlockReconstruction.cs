namespace RevNet.ILGPU.Diagnostics;

/// <summary>How well one invertible layer rebuilt its input during a memory-free backward.</summary>
/// <param name="LayerIndex">The index in the audited graph.</param>
/// <param name="Name">The block's name.</param>
/// <param name="MaxAbsError">max |x̂ − x| over the block's input.</param>
/// <param name="MaxAbsInput">max |x| (the scale the error is relative to).</param>
/// <param name="OutsideExactRange">Input values with |x| ≥ 2^9, where exact coupling arithmetic stops being exact.</param>
public sealed record BlockReconstruction(int LayerIndex, string Name, double MaxAbsError, double MaxAbsInput, int OutsideExactRange = 0)
{
    /// <summary>max |x̂ − x| / max |x|.</summary>
    public double RelativeError => MaxAbsInput > 0 ? MaxAbsError / MaxAbsInput : MaxAbsError;
}
