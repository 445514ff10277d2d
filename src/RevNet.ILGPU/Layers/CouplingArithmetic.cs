namespace RevNet.ILGPU.Layers;

/// <summary>How an additive coupling adds its branch outputs: the choice between exact inversion and plain floats.</summary>
/// <remarks>
/// <para><see cref="Exact"/> (the default) is fixed-point coupling (MacKay et al., 2018): the outputs of F and G are
/// rounded to multiples of 2^-15 before they are added, and a run of couplings starts by rounding its input to the same
/// grid. While the activations of the run stay below 2^9 in magnitude, y = x + F(x₂) and x = y − F(x₂) are then exact
/// float operations, so the rebuilt activations and the Reconstruct-mode gradients are bit-identical to Store mode.
/// What it means for a model: inputs of a run are moved by at most 2^-16, branch outputs below 2^-16 in magnitude
/// vanish, and gradients pass the rounding unchanged (straight-through). Larger values degrade gracefully to ordinary
/// float rounding; the audit and the drift monitor count the values that left the exact range.</para>
/// <para><see cref="Float"/> adds in plain float32: the inverse is exact only to float rounding (relative errors of
/// about 1e-7 per block, which grow with depth), so Reconstruct gradients differ slightly from Store mode.</para>
/// </remarks>
public enum CouplingArithmetic
{
    /// <summary>Branch outputs and run inputs rounded to the 2^-15 grid: exact inversion (default).</summary>
    Exact,

    /// <summary>Plain float32 addition: the inverse is exact only to float rounding.</summary>
    Float,
}
