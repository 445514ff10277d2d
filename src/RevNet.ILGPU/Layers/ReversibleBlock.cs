using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// The additive coupling of RevNets over the two channel halves x = (x1, x2):
/// y1 = x1 + F(x2), y2 = x2 + G(y1); inverse x2 = y2 − G(y1), x1 = y1 − F(x2). F and G are any shape-preserving
/// layers on one half (the paper's basic BN-ReLU-conv3x3-BN-ReLU-conv3x3, or the bottleneck), the library's or yours.
/// </summary>
/// <remarks>
/// <para><see cref="Layer.Backward"/> is the saved path (the reference). <see cref="InvertibleCoupling.BackwardFromOutput"/>
/// saves nothing and runs in the fused order: recompute G(y1) once with its internals kept, x2 = y2 − G(y1),
/// back-propagate G; recompute F(x2) once, x1 = y1 − F(x2), back-propagate F. F and G are never computed twice.</para>
/// <para>In <see cref="CouplingArithmetic.Exact"/> (the default) the outputs of F and G are rounded to the 2^-15 grid
/// before they are added, and the block's input is put on the grid, so the inverse is exact and memory-free gradients
/// are bit-identical to stored ones. Hence <c>Inverse(Forward(x))</c> returns x rounded to the grid (within 2^-16 of x).
/// Inside a <see cref="Sequential"/> a run of blocks is put on the grid once, at its start.</para>
/// <para>F and G must be deterministic and must pass the <see cref="ForwardMode"/> they get on to the layers they hold
/// (deriving from <see cref="Layer"/> makes that natural): batch-norm layers then reuse the statistics of the training
/// forward during the recompute and update their running statistics only once.</para>
/// </remarks>
public sealed class ReversibleBlock : InvertibleCoupling
{
    /// <summary>Creates the coupling; the block owns F and G and disposes them.</summary>
    /// <param name="f">F, applied to x2.</param>
    /// <param name="g">G, applied to y1.</param>
    /// <param name="name">A name for reports (e.g. <c>stage1.unit2</c>).</param>
    /// <param name="arithmetic">How branch outputs are added (default exact).</param>
    public ReversibleBlock(ILayer f, ILayer g, string name = "block", CouplingArithmetic arithmetic = CouplingArithmetic.Exact)
        : base(f, g, arithmetic, name)
    {
    }

    /// <inheritdoc />
    protected override (Tensor Y1, Tensor Y2) ForwardHalves(Tensor x1, Tensor x2, ForwardMode mode)
    {
        Tensor y1 = F.Forward(x2, mode);
        AddBranch(x1, y1);
        Tensor y2 = G.Forward(y1, mode);
        AddBranch(x2, y2);
        return (y1, y2);
    }

    /// <inheritdoc />
    protected override (Tensor Dx1, Tensor Dx2) BackwardHalves(Tensor dy1, Tensor dy2)
    {
        Tensor dz1 = G.Backward(dy2);
        TensorOps.Add(dz1, dy1, dz1);
        Tensor dx2 = F.Backward(dz1);
        TensorOps.Add(dx2, dy2, dx2);
        return (dz1, dx2);
    }

    /// <inheritdoc />
    protected override (Tensor X1, Tensor X2) InverseHalves(Tensor y1, Tensor y2)
    {
        Tensor x2 = G.Forward(y1, ForwardMode.Inference);
        RoundIfExact(x2);
        TensorOps.Subtract(y2, x2, x2);
        Tensor x1 = F.Forward(x2, ForwardMode.Inference);
        RoundIfExact(x1);
        TensorOps.Subtract(y1, x1, x1);
        return (x1, x2);
    }

    /// <inheritdoc />
    protected override (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) BackwardFromOutputHalves(
        Tensor y1, Tensor y2, Tensor dy1, Tensor dy2)
    {
        // 1-2. One recompute of G(y1) (internals kept for this block only) rebuilds x2 and back-propagates G.
        using (Tensor g = G.Forward(y1, ForwardMode.Recompute))
        {
            SubtractBranch(y2, g); // y2's buffer now holds x2
        }

        Tensor dz1 = G.Backward(dy2);
        TensorOps.Add(dz1, dy1, dz1); // dL/dz1 = dL/dy1 + G's input gradient = dL/dx1
        dy1.Dispose();

        // 3-4. One recompute of F(x2) rebuilds x1 and back-propagates F.
        using (Tensor f = F.Forward(y2, ForwardMode.Recompute))
        {
            SubtractBranch(y1, f); // y1's buffer now holds x1
        }

        Tensor dx2 = F.Backward(dz1);
        TensorOps.Add(dx2, dy2, dx2); // dL/dx2 = dL/dy2 + F's input gradient
        dy2.Dispose();
        return (y1, y2, dz1, dx2);
    }
}
