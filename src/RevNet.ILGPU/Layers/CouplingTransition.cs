using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A RevNet stage's first (transition) unit: the coupling with shortcuts on both halves,
/// y1 = s1(x1) + F(x2), y2 = s2(x2) + G(y1). It may change the width and the resolution, so it is not invertible:
/// a <see cref="Sequential"/> in <see cref="ActivationMode.Reconstruct"/> keeps its input pair and recomputes it once
/// in backward. A null shortcut is the identity. In <see cref="CouplingArithmetic.Exact"/> both outputs are rounded to
/// the grid, so the reversible blocks after it invert exactly.
/// </summary>
public sealed class CouplingTransition : Coupling
{
    /// <summary>Creates the unit; it owns and disposes its parts.</summary>
    /// <param name="f">F, on x2, producing the output half shape.</param>
    /// <param name="g">G, on y1, shape-preserving.</param>
    /// <param name="shortcut1">s1 on x1 (null: identity).</param>
    /// <param name="shortcut2">s2 on x2 (null: identity).</param>
    /// <param name="name">A name for reports.</param>
    /// <param name="arithmetic">How outputs are rounded (default exact).</param>
    public CouplingTransition(
        ILayer f, ILayer g, ILayer? shortcut1, ILayer? shortcut2, string name = "transition",
        CouplingArithmetic arithmetic = CouplingArithmetic.Exact)
        : base(f, g, arithmetic, name)
    {
        Shortcut1 = Hold(shortcut1);
        Shortcut2 = Hold(shortcut2);
    }

    /// <summary>s1 (on x1), or null for the identity.</summary>
    public ILayer? Shortcut1 { get; }

    /// <summary>s2 (on x2), or null for the identity.</summary>
    public ILayer? Shortcut2 { get; }

    /// <inheritdoc />
    public override LayerTraits Traits => LayerTraits.Recomputable;

    /// <inheritdoc />
    protected override bool BackwardReadsX1 => Shortcut1 is not null;

    /// <inheritdoc />
    public override void RecomputePair(Tensor x1, Tensor x2)
    {
        // One recompute: F and s1 for y1 (G's input); G and s2 only note their inputs — y2 is never needed.
        Tensor y1 = F.Forward(x2, ForwardMode.Recompute);
        AddShortcut(Shortcut1, x1, y1, ForwardMode.Recompute);
        RoundIfExact(y1);
        G.Recompute(y1);
        Shortcut2?.Recompute(x2);
        ReadyPair(x1, x2, y1);
        KeepUntilBackward(y1);
    }

    /// <inheritdoc />
    protected override Shape HalfOutputShape(Shape half)
    {
        Shape outHalf = F.GetOutputShape(half);
        Shape s1 = Shortcut1?.GetOutputShape(half) ?? half;
        Shape s2 = Shortcut2?.GetOutputShape(half) ?? half;
        if (s1 != outHalf || s2 != outHalf || G.GetOutputShape(outHalf) != outHalf)
        {
            throw new ArgumentException(
                $"Parts disagree for input half {half}: F {outHalf}, s1 {s1}, s2 {s2}, G {G.GetOutputShape(outHalf)}.", "input");
        }

        return outHalf;
    }

    /// <inheritdoc />
    protected override (Tensor Y1, Tensor Y2) ForwardHalves(Tensor x1, Tensor x2, ForwardMode mode)
    {
        Tensor y1 = F.Forward(x2, mode);
        AddShortcut(Shortcut1, x1, y1, mode);
        RoundIfExact(y1);
        Tensor y2 = G.Forward(y1, mode);
        AddShortcut(Shortcut2, x2, y2, mode);
        RoundIfExact(y2);
        return (y1, y2);
    }

    /// <inheritdoc />
    protected override (Tensor Dx1, Tensor Dx2) BackwardHalves(Tensor dy1, Tensor dy2)
    {
        Tensor dz1 = G.Backward(dy2);
        TensorOps.Add(dz1, dy1, dz1);
        Tensor dx2 = F.Backward(dz1);
        if (Shortcut2 is null)
        {
            TensorOps.Add(dx2, dy2, dx2);
        }
        else
        {
            using Tensor ds2 = Shortcut2.Backward(dy2);
            TensorOps.Add(dx2, ds2, dx2);
        }

        if (Shortcut1 is null)
        {
            return (dz1, dx2);
        }

        Tensor dx1 = Shortcut1.Backward(dz1);
        dz1.Dispose();
        return (dx1, dx2);
    }

    private static void AddShortcut(ILayer? shortcut, Tensor x, Tensor y, ForwardMode mode)
    {
        if (shortcut is null)
        {
            TensorOps.Add(y, x, y);
            return;
        }

        using Tensor s = shortcut.Forward(x, mode);
        TensorOps.Add(y, s, y);
    }
}
