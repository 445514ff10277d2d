using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// The additive coupling of RevNets over the two channel halves x = (x1, x2):
/// y1 = x1 + F(x2), y2 = x2 + G(y1); inverse x2 = y2 − G(y1), x1 = y1 − F(x2). F and G are any shape-preserving
/// layers on one half (the paper's basic BN-ReLU-conv3x3-BN-ReLU-conv3x3, or the bottleneck).
/// </summary>
/// <remarks>
/// <para><see cref="Backward"/> is the saved path (the reference). <see cref="BackwardFromOutput"/> saves nothing and
/// runs in the fused order: recompute G(y1) once with its internals kept, x2 = y2 − G(y1), back-propagate G;
/// recompute F(x2) once, x1 = y1 − F(x2), back-propagate F. F and G are never computed twice.</para>
/// <para>The block works on a 2^-15 fixed-point grid (<see cref="CouplingGrid"/>): its input and the outputs of F
/// and G are rounded to it, so the inverse is exact and memory-free gradients are bit-identical to stored ones
/// (gradients pass the rounding unchanged). Hence <c>Inverse(Forward(x))</c> returns x rounded to the grid
/// (within 2^-16 of x). Inside a <see cref="Sequential"/> a run of blocks is put on the grid once, at its start.</para>
/// <para>F and G must be deterministic. Library layers inside them (batch-norm included) reuse the statistics of the
/// training forward during the recompute and update running statistics only once; layers from outside the library
/// simply run a second training forward.</para>
/// </remarks>
public sealed class ReversibleBlock : IReversibleLayer, IInvertibleCoupling
{
    private readonly CouplingGrid _grid = new();
    private Tensor? _ownedX2;
    private Tensor? _ownedY1;
    private bool _saved;

    /// <summary>Creates the coupling; the block owns F and G and disposes them.</summary>
    /// <param name="f">F, applied to x2.</param>
    /// <param name="g">G, applied to y1.</param>
    /// <param name="name">A name for reports (e.g. <c>stage1.unit2</c>).</param>
    public ReversibleBlock(ILayer f, ILayer g, string name = "block")
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        F = f;
        G = g;
        Name = name;
        Parameters = [.. f.Parameters, .. g.Parameters];
        Buffers = [.. f.Buffers, .. g.Buffers];
    }

    /// <summary>F (on x2).</summary>
    public ILayer F { get; }

    /// <summary>G (on y1).</summary>
    public ILayer G { get; }

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
        if (F.GetOutputShape(half) != half || G.GetOutputShape(half) != half)
        {
            throw new ArgumentException(
                $"F and G must keep the half shape {half}; got F: {F.GetOutputShape(half)}, G: {G.GetOutputShape(half)}.",
                nameof(input));
        }

        return input;
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

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
    public Tensor Inverse(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor x1, Tensor x2) = InversePair(y1, y2);
        y1.Dispose();
        y2.Dispose();
        Tensor x = LayerKit.Concat(x1, x2, MemoryCategory.Activations);
        x1.Dispose();
        x2.Dispose();
        return x;
    }

    /// <inheritdoc />
    public (Tensor Input, Tensor InputGradient) BackwardFromOutput(Tensor output, Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(outputGradient);
        ReleaseOwned();
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);
        (Tensor x1, Tensor x2, Tensor dx1, Tensor dx2) = BackwardFromOutputPair(y1, y2, dy1, dy2);
        Tensor x = LayerKit.Concat(x1, x2, MemoryCategory.Activations);
        x1.Dispose();
        x2.Dispose();
        Tensor dx = LayerKit.Concat(dx1, dx2, MemoryCategory.Workspace);
        dx1.Dispose();
        dx2.Dispose();
        return (x, dx);
    }

    /// <inheritdoc />
    (Tensor Y1, Tensor Y2) ICouplingLayer.ForwardPair(Tensor x1, Tensor x2, ForwardMode mode) => ForwardPair(x1, x2, mode);

    /// <inheritdoc />
    (Tensor Dx1, Tensor Dx2) ICouplingLayer.BackwardPair(Tensor dy1, Tensor dy2) => BackwardPair(dy1, dy2);

    /// <inheritdoc />
    (Tensor X1, Tensor X2) IInvertibleCoupling.InversePair(Tensor y1, Tensor y2) => InversePair(y1, y2);

    /// <inheritdoc />
    (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) IInvertibleCoupling.BackwardFromOutputPair(
        Tensor y1, Tensor y2, Tensor dy1, Tensor dy2) => BackwardFromOutputPair(y1, y2, dy1, dy2);

    /// <summary>Pair form of the forward (see <see cref="ICouplingLayer"/>).</summary>
    internal (Tensor Y1, Tensor Y2) ForwardPair(Tensor x1, Tensor x2, ForwardMode mode)
    {
        Tensor y1 = LayerKit.Run(F, x2, mode);
        _grid.Snap(y1);
        TensorOps.Add(x1, y1, y1);
        Tensor y2 = LayerKit.Run(G, y1, mode);
        _grid.Snap(y2);
        TensorOps.Add(x2, y2, y2);
        _saved = LayerKit.Keeps(mode);
        return (y1, y2);
    }

    /// <summary>Pair form of the saved-path backward.</summary>
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
        TensorOps.Add(dx2, dy2, dx2);
        return (dz1, dx2);
    }

    /// <summary>Pair form of <see cref="Inverse"/>.</summary>
    internal (Tensor X1, Tensor X2) InversePair(Tensor y1, Tensor y2)
    {
        Tensor x2 = LayerKit.Run(G, y1, ForwardMode.Inference);
        _grid.Snap(x2);
        TensorOps.Subtract(y2, x2, x2);
        Tensor x1 = LayerKit.Run(F, x2, ForwardMode.Inference);
        _grid.Snap(x1);
        TensorOps.Subtract(y1, x1, x1);
        return (x1, x2);
    }

    /// <summary>Pair form of <see cref="BackwardFromOutput"/>; consumes its arguments.</summary>
    internal (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) BackwardFromOutputPair(Tensor y1, Tensor y2, Tensor dy1, Tensor dy2)
    {
        _saved = false;

        // 1-2. One recompute of G(y1) (internals kept for this block only) rebuilds x2 and back-propagates G.
        using (Tensor g = LayerKit.Run(G, y1, ForwardMode.Recompute))
        {
            _grid.Snap(g);
            TensorOps.Subtract(y2, g, y2); // y2's buffer now holds x2
        }

        Tensor dz1 = G.Backward(dy2);
        TensorOps.Add(dz1, dy1, dz1); // dL/dz1 = dL/dy1 + G's input gradient = dL/dx1
        dy1.Dispose();

        // 3-4. One recompute of F(x2) rebuilds x1 and back-propagates F.
        using (Tensor f = LayerKit.Run(F, y2, ForwardMode.Recompute))
        {
            _grid.Snap(f);
            TensorOps.Subtract(y1, f, y1); // y1's buffer now holds x1
        }

        Tensor dx2 = F.Backward(dz1);
        TensorOps.Add(dx2, dy2, dx2); // dL/dx2 = dL/dy2 + F's input gradient
        dy2.Dispose();
        return (y1, y2, dz1, dx2);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseOwned();
        _grid.Dispose();
        F.Dispose();
        G.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"ReversibleBlock {Name}";

    /// <summary>Runs the block on a whole tensor in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReleaseOwned();
        (Tensor x1, Tensor x2) = LayerKit.Split(input, MemoryCategory.Activations);
        _grid.Snap(x1, x2);
        (Tensor y1, Tensor y2) = ForwardPair(x1, x2, mode);
        Tensor y = LayerKit.Concat(y1, y2, MemoryCategory.Activations);
        x1.Dispose();
        y2.Dispose();
        if (LayerKit.Keeps(mode))
        {
            _ownedX2 = x2; // F's input
            _ownedY1 = y1; // G's input
        }
        else
        {
            x2.Dispose();
            y1.Dispose();
        }

        return y;
    }

    private void ReleaseOwned()
    {
        _ownedX2?.Dispose();
        _ownedY1?.Dispose();
        _ownedX2 = null;
        _ownedY1 = null;
    }
}
