using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A coupling over the two channel halves x = (x₁, x₂) with two branches: y₁ = x₁ ⊕ F(x₂), y₂ = x₂ ⊕ G(y₁). Besides the
/// whole-tensor <see cref="ILayer"/> forms it has a pair form on the halves, so a graph runs a chain of couplings
/// splitting once at its start and concatenating once at its end.
/// </summary>
/// <remarks>
/// Derive from it (or from <see cref="InvertibleCoupling"/>) to write a new coupling: implement
/// <see cref="ForwardHalves"/> and <see cref="BackwardHalves"/>. A keeping pair forward keeps references to x₁, x₂
/// (F's input) and y₁ (G's input); the caller keeps all of them alive until <see cref="BackwardPair"/>.
/// </remarks>
public abstract class Coupling : Layer
{
    /// <summary>The grid step of <see cref="CouplingArithmetic.Exact"/>: 2^-15.</summary>
    public const float GridStep = 1f / 32768f;

    private readonly List<Tensor> _owned = [];
    private bool _pairReady;

    /// <summary>Creates the coupling; it owns and disposes F and G.</summary>
    /// <param name="f">F, applied to x₂.</param>
    /// <param name="g">G, applied to y₁.</param>
    /// <param name="arithmetic">How branch outputs are added.</param>
    /// <param name="name">A name for reports (e.g. <c>stage1.unit2</c>).</param>
    protected Coupling(ILayer f, ILayer g, CouplingArithmetic arithmetic, string name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        F = Hold(f);
        G = Hold(g);
        Arithmetic = arithmetic;
    }

    /// <summary>F (on x₂).</summary>
    public ILayer F { get; }

    /// <summary>G (on y₁).</summary>
    public ILayer G { get; }

    /// <summary>How branch outputs are added.</summary>
    public CouplingArithmetic Arithmetic { get; }

    /// <summary>x₁, x₂ and y₁ of the last keeping pair forward (borrowed; null when none).</summary>
    protected (Tensor X1, Tensor X2, Tensor Y1)? SavedHalves { get; private set; }

    /// <summary>Runs the coupling on the halves (borrowed); returns the output halves (owned by the caller).</summary>
    /// <param name="x1">x₁.</param>
    /// <param name="x2">x₂.</param>
    /// <param name="mode">The forward mode, passed on to F and G.</param>
    /// <returns>(y₁, y₂).</returns>
    public (Tensor Y1, Tensor Y2) ForwardPair(Tensor x1, Tensor x2, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        ReleasePair();
        (Tensor y1, Tensor y2) = ForwardHalves(x1, x2, mode);
        if (mode.KeepsForBackward())
        {
            SavedHalves = (x1, x2, y1);
            _pairReady = true;
        }

        return (y1, y2);
    }

    /// <summary>
    /// After a <see cref="ForwardMode.TrainNoSave"/> pair forward: readies <see cref="BackwardPair"/> as a
    /// <see cref="ForwardMode.Recompute"/> pair forward does (the caller keeps x₁ and x₂ alive until then).
    /// </summary>
    /// <param name="x1">x₁ (borrowed).</param>
    /// <param name="x2">x₂ (borrowed).</param>
    public virtual void RecomputePair(Tensor x1, Tensor x2)
    {
        (Tensor y1, Tensor y2) = ForwardPair(x1, x2, ForwardMode.Recompute);
        y2.Dispose(); // backward needs only y1 (G's input)
        KeepUntilBackward(y1);
    }

    /// <summary>Back-propagates through the last keeping pair forward; dy halves borrowed, dx halves owned.</summary>
    /// <param name="dy1">dL/dy₁.</param>
    /// <param name="dy2">dL/dy₂.</param>
    /// <returns>(dL/dx₁, dL/dx₂).</returns>
    /// <exception cref="InvalidOperationException">No keeping pair forward preceded it.</exception>
    public (Tensor Dx1, Tensor Dx2) BackwardPair(Tensor dy1, Tensor dy2)
    {
        ArgumentNullException.ThrowIfNull(dy1);
        ArgumentNullException.ThrowIfNull(dy2);
        if (!_pairReady)
        {
            throw new InvalidOperationException(
                $"{GetType().Name} '{Name}': BackwardPair was called without a preceding keeping ForwardPair.");
        }

        try
        {
            return BackwardHalves(dy1, dy2);
        }
        finally
        {
            ReleasePair();
        }
    }

    /// <summary>
    /// Called by a graph when a run of couplings starts with this one, on the freshly split input halves (owned by the
    /// graph): in <see cref="CouplingArithmetic.Exact"/> an invertible coupling rounds them to the grid in place, so the
    /// run inverts exactly. The default does that for <see cref="InvertibleCoupling"/>s and nothing otherwise.
    /// </summary>
    /// <param name="x1">x₁, modified in place.</param>
    /// <param name="x2">x₂, modified in place.</param>
    public virtual void PrepareRunInput(Tensor x1, Tensor x2)
    {
        if (this is InvertibleCoupling && Arithmetic == CouplingArithmetic.Exact)
        {
            RoundToGrid(x1);
            RoundToGrid(x2);
        }
    }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        LayerKit.RequireHalves(input, nameof(input));
        return LayerKit.Doubled(HalfOutputShape(LayerKit.Half(input)));
    }

    /// <summary>The forward on halves (see <see cref="ForwardPair"/>).</summary>
    /// <param name="x1">x₁ (borrowed).</param>
    /// <param name="x2">x₂ (borrowed).</param>
    /// <param name="mode">The mode for F and G.</param>
    /// <returns>(y₁, y₂), owned by the caller.</returns>
    protected abstract (Tensor Y1, Tensor Y2) ForwardHalves(Tensor x1, Tensor x2, ForwardMode mode);

    /// <summary>The backward on halves; <see cref="SavedHalves"/> holds the forward's tensors.</summary>
    /// <param name="dy1">dL/dy₁ (borrowed).</param>
    /// <param name="dy2">dL/dy₂ (borrowed).</param>
    /// <returns>(dL/dx₁, dL/dx₂), owned by the caller.</returns>
    protected abstract (Tensor Dx1, Tensor Dx2) BackwardHalves(Tensor dy1, Tensor dy2);

    /// <summary>The output shape of one half for an input half (F's output shape; checks the parts agree).</summary>
    /// <param name="half">The input half shape.</param>
    /// <returns>The output half shape.</returns>
    protected virtual Shape HalfOutputShape(Shape half)
    {
        if (F.GetOutputShape(half) != half || G.GetOutputShape(half) != half)
        {
            throw new ArgumentException(
                $"F and G must keep the half shape {half}; got F: {F.GetOutputShape(half)}, G: {G.GetOutputShape(half)}.",
                "input");
        }

        return half;
    }

    /// <summary>Whether the whole-tensor backward needs x₁ (a shortcut or an affine law reads it).</summary>
    protected virtual bool BackwardReadsX1 => false;

    /// <summary>Marks the pair backward ready with saved halves (for a custom <see cref="RecomputePair"/>).</summary>
    /// <param name="x1">x₁ (borrowed).</param>
    /// <param name="x2">x₂ (borrowed).</param>
    /// <param name="y1">y₁ (borrowed or handed to <see cref="KeepUntilBackward"/>).</param>
    protected void ReadyPair(Tensor x1, Tensor x2, Tensor y1)
    {
        SavedHalves = (x1, x2, y1);
        _pairReady = true;
    }

    /// <summary>Keeps a tensor the coupling owns until the next pair backward (or forward).</summary>
    /// <param name="owned">The tensor.</param>
    protected void KeepUntilBackward(Tensor owned) => _owned.Add(owned);

    /// <summary>branch = x + ⌊branch⌉ in place (⌊·⌉: the grid rounding in exact arithmetic).</summary>
    /// <param name="x">x (borrowed).</param>
    /// <param name="branch">The branch output; receives the sum.</param>
    protected void AddBranch(Tensor x, Tensor branch) => Ops.TensorOps.CouplingAdd(x, branch, 1f, BranchGrid, branch);

    /// <summary>y = y − ⌊branch⌉ in place (the inverse of <see cref="AddBranch"/>).</summary>
    /// <param name="y">The coupled value; receives the difference.</param>
    /// <param name="branch">The branch output (borrowed).</param>
    protected void SubtractBranch(Tensor y, Tensor branch) => Ops.TensorOps.CouplingAdd(y, branch, -1f, BranchGrid, y);

    /// <summary>Rounds t to the grid in place when the arithmetic is exact.</summary>
    /// <param name="t">The tensor.</param>
    protected void RoundIfExact(Tensor t)
    {
        if (Arithmetic == CouplingArithmetic.Exact)
        {
            RoundToGrid(t);
        }
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        GetOutputShape(input.Shape);
        (Tensor x1, Tensor x2) = LayerKit.Split(input, MemoryCategory.Activations);
        PrepareRunInput(x1, x2);
        (Tensor y1, Tensor y2) = ForwardPair(x1, x2, mode);
        Tensor y = LayerKit.Concat(y1, y2, MemoryCategory.Activations);
        y2.Dispose();
        if (BackwardReadsX1)
        {
            Save(x1);
        }
        else
        {
            x1.Dispose();
        }

        Save(x2);
        Save(y1);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);
        (Tensor dx1, Tensor dx2) = BackwardPair(dy1, dy2);
        dy1.Dispose();
        dy2.Dispose();
        Tensor dx = LayerKit.Concat(dx1, dx2, MemoryCategory.Workspace);
        dx1.Dispose();
        dx2.Dispose();
        return dx;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        ReleasePair();
        base.Dispose(disposing);
    }

    private float BranchGrid => Arithmetic == CouplingArithmetic.Exact ? GridStep : 0f;

    private static void RoundToGrid(Tensor t) => Ops.TensorOps.GridRound(t, GridStep, t);

    private void ReleasePair()
    {
        SavedHalves = null;
        _pairReady = false;
        foreach (Tensor t in _owned)
        {
            t.Dispose();
        }

        _owned.Clear();
    }
}
