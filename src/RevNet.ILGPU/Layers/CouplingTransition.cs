using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A RevNet stage's first (transition) unit: the coupling with shortcuts on both halves,
/// y1 = s1(x1) + F(x2), y2 = s2(x2) + G(y1). It may change the width and the resolution, so it is not invertible:
/// a <see cref="Sequential"/> in <see cref="ActivationMode.Reconstruct"/> keeps its input pair and recomputes it once
/// in backward. A null shortcut is the identity. Both outputs are rounded to the <see cref="CouplingGrid"/>, so the
/// reversible blocks after it invert exactly.
/// </summary>
public sealed class CouplingTransition : ILayer, ICouplingLayer
{
    private readonly CouplingGrid _grid = new();
    private Tensor? _ownedX1;
    private Tensor? _ownedX2;
    private Tensor? _ownedY1;
    private bool _saved;

    /// <summary>Creates the unit; it owns and disposes its parts.</summary>
    /// <param name="f">F, on x2, producing the output half shape.</param>
    /// <param name="g">G, on y1, shape-preserving.</param>
    /// <param name="shortcut1">s1 on x1 (null: identity).</param>
    /// <param name="shortcut2">s2 on x2 (null: identity).</param>
    /// <param name="name">A name for reports.</param>
    public CouplingTransition(ILayer f, ILayer g, ILayer? shortcut1, ILayer? shortcut2, string name = "transition")
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        F = f;
        G = g;
        Shortcut1 = shortcut1;
        Shortcut2 = shortcut2;
        Name = name;
        Parameters = [.. f.Parameters, .. g.Parameters, .. shortcut1?.Parameters ?? [], .. shortcut2?.Parameters ?? []];
        Buffers = [.. f.Buffers, .. g.Buffers, .. shortcut1?.Buffers ?? [], .. shortcut2?.Buffers ?? []];
    }

    /// <summary>F (on x2).</summary>
    public ILayer F { get; }

    /// <summary>G (on y1).</summary>
    public ILayer G { get; }

    /// <summary>s1 (on x1), or null for the identity.</summary>
    public ILayer? Shortcut1 { get; }

    /// <summary>s2 (on x2), or null for the identity.</summary>
    public ILayer? Shortcut2 { get; }

    /// <summary>The name given at construction.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers { get; }

    /// <inheritdoc />
    bool IModalLayer.IsComposite => true;

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
    {
        LayerKit.RequireHalves(input, nameof(input));
        Shape half = LayerKit.Half(input);
        Shape outHalf = F.GetOutputShape(half);
        Shape s1 = Shortcut1?.GetOutputShape(half) ?? half;
        Shape s2 = Shortcut2?.GetOutputShape(half) ?? half;
        if (s1 != outHalf || s2 != outHalf || G.GetOutputShape(outHalf) != outHalf)
        {
            throw new ArgumentException(
                $"Parts disagree for input {input}: F {outHalf}, s1 {s1}, s2 {s2}, G {G.GetOutputShape(outHalf)}.", nameof(input));
        }

        return new Shape(outHalf[0], outHalf[1] * 2, outHalf[2], outHalf[3]);
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <inheritdoc />
    (Tensor Y1, Tensor Y2) ICouplingLayer.ForwardPair(Tensor x1, Tensor x2, ForwardMode mode) => ForwardPair(x1, x2, mode);

    /// <inheritdoc />
    (Tensor Dx1, Tensor Dx2) ICouplingLayer.BackwardPair(Tensor dy1, Tensor dy2) => BackwardPair(dy1, dy2);

    /// <inheritdoc />
    (Tensor Dx1, Tensor Dx2) ICouplingLayer.RecomputeBackwardPair(Tensor x1, Tensor x2, Tensor dy1, Tensor dy2)
    {
        // One recompute: F and s1 for y1 (G's input); G and s2 only note their inputs — y2 is never needed.
        Tensor y1 = LayerKit.Run(F, x2, ForwardMode.Recompute);
        try
        {
            AddShortcut(Shortcut1, x1, y1, ForwardMode.Recompute);
            _grid.Snap(y1);
            LayerKit.Prepare(G, y1);
            if (Shortcut2 is not null)
            {
                LayerKit.Prepare(Shortcut2, x2);
            }

            _saved = true;
            return BackwardPair(dy1, dy2);
        }
        finally
        {
            y1.Dispose();
        }
    }

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_ownedY1 is null)
        {
            throw LayerKit.NoForward(this);
        }

        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);
        (Tensor dx1, Tensor dx2) = BackwardPair(dy1, dy2);
        dy1.Dispose();
        dy2.Dispose();
        ReleaseOwned();
        Tensor dx = LayerKit.Concat(dx1, dx2, MemoryCategory.Workspace);
        dx1.Dispose();
        dx2.Dispose();
        return dx;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseOwned();
        _grid.Dispose();
        F.Dispose();
        G.Dispose();
        Shortcut1?.Dispose();
        Shortcut2?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"CouplingTransition {Name}";

    /// <summary>Pair form of the forward (see <see cref="ICouplingLayer"/>).</summary>
    internal (Tensor Y1, Tensor Y2) ForwardPair(Tensor x1, Tensor x2, ForwardMode mode)
    {
        Tensor y1 = LayerKit.Run(F, x2, mode);
        AddShortcut(Shortcut1, x1, y1, mode);
        _grid.Snap(y1);
        Tensor y2 = LayerKit.Run(G, y1, mode);
        AddShortcut(Shortcut2, x2, y2, mode);
        _grid.Snap(y2);
        _saved = LayerKit.Keeps(mode);
        return (y1, y2);
    }

    /// <summary>Pair form of the backward.</summary>
    internal (Tensor Dx1, Tensor Dx2) BackwardPair(Tensor dy1, Tensor dy2)
    {
        if (!_saved)
        {
            throw LayerKit.NoForward(this);
        }

        _saved = false;
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

    /// <summary>Runs the unit on a whole tensor in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReleaseOwned();
        (Tensor x1, Tensor x2) = LayerKit.Split(input, MemoryCategory.Activations);
        (Tensor y1, Tensor y2) = ForwardPair(x1, x2, mode);
        Tensor y = LayerKit.Concat(y1, y2, MemoryCategory.Activations);
        y2.Dispose();
        if (LayerKit.Keeps(mode))
        {
            (_ownedX1, _ownedX2, _ownedY1) = (x1, x2, y1);
        }
        else
        {
            x1.Dispose();
            x2.Dispose();
            y1.Dispose();
        }

        return y;
    }

    private static void AddShortcut(ILayer? shortcut, Tensor x, Tensor y, ForwardMode mode)
    {
        if (shortcut is null)
        {
            TensorOps.Add(y, x, y);
            return;
        }

        using Tensor s = LayerKit.Run(shortcut, x, mode);
        TensorOps.Add(y, s, y);
    }

    private void ReleaseOwned()
    {
        _ownedX1?.Dispose();
        _ownedX2?.Dispose();
        _ownedY1?.Dispose();
        (_ownedX1, _ownedX2, _ownedY1) = (null, null, null);
    }
}
