using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Affine coupling over the channel halves with a bounded scale:
/// (s₁, t₁) = F(x₂), y₁ = x₁ ⊙ σ(s₁ + 2) + t₁; (s₂, t₂) = G(y₁), y₂ = x₂ ⊙ σ(s₂ + 2) + t₂, where F and G map a half
/// [N, c, H, W] to [N, 2c, H, W] (first c channels: s, last c: t) and σ is the logistic sigmoid, so every scale
/// lies in (0, 1). Inverse: x₂ = (y₂ − t₂) / σ(s₂ + 2), x₁ = (y₁ − t₁) / σ(s₁ + 2).
/// </summary>
/// <remarks>
/// The same contract as <see cref="ReversibleBlock"/>: <see cref="Layer.Backward"/> is the saved path;
/// <see cref="BackwardFromOutput"/> recomputes G once and F once (fused order) and saves nothing. Unlike the additive
/// coupling the inverse is exact only to float rounding. Everything runs on the device with the elementwise ops.
/// </remarks>
public sealed class AffineCoupling : Layer, IReversibleLayer
{
    private const float ScaleOffset = 2f;
    private Tensor? _x1;
    private Tensor? _x2;
    private Tensor? _a1;
    private Tensor? _a2;

    /// <summary>Creates the coupling; it owns and disposes F and G.</summary>
    /// <param name="f">F: x₂ → (s₁, t₁), doubling the channels of a half.</param>
    /// <param name="g">G: y₁ → (s₂, t₂), doubling the channels of a half.</param>
    /// <param name="name">A name for reports.</param>
    public AffineCoupling(ILayer f, ILayer g, string name = "affine")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        F = Hold(f);
        G = Hold(g);
    }

    /// <summary>F (on x₂), producing (s₁, t₁).</summary>
    public ILayer F { get; }

    /// <summary>G (on y₁), producing (s₂, t₂).</summary>
    public ILayer G { get; }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        LayerKit.RequireHalves(input, nameof(input));
        Shape half = LayerKit.Half(input);
        Shape doubled = input;
        if (F.GetOutputShape(half) != doubled || G.GetOutputShape(half) != doubled)
        {
            throw new ArgumentException(
                $"F and G must map the half {half} to {doubled}; got F: {F.GetOutputShape(half)}, G: {G.GetOutputShape(half)}.",
                nameof(input));
        }

        return input;
    }

    /// <inheritdoc />
    public Tensor Inverse(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        GetOutputShape(output.Shape);
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor x2, Tensor a2) = Uncouple(G, y1, y2, ForwardMode.Inference);
        a2.Dispose();
        y2.Dispose();
        (Tensor x1, Tensor a1) = Uncouple(F, x2, y1, ForwardMode.Inference);
        a1.Dispose();
        y1.Dispose();
        return ConcatAndDispose(x1, x2, MemoryCategory.Activations);
    }

    /// <inheritdoc />
    public (Tensor Input, Tensor InputGradient) BackwardFromOutput(Tensor output, Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(outputGradient);
        GetOutputShape(output.Shape);
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);

        // Recompute G(y1) once: it rebuilds x2 and back-propagates G.
        (Tensor x2, Tensor a2) = Uncouple(G, y1, y2, ForwardMode.Recompute);
        y2.Dispose();
        (Tensor dz1, Tensor dx2) = BackHalf(G, dy2, x2, a2);
        a2.Dispose();
        dy2.Dispose();
        TensorOps.Add(dz1, dy1, dz1);
        dy1.Dispose();

        // Recompute F(x2) once: it rebuilds x1 and back-propagates F.
        (Tensor x1, Tensor a1) = Uncouple(F, x2, y1, ForwardMode.Recompute);
        y1.Dispose();
        (Tensor dF, Tensor dx1) = BackHalf(F, dz1, x1, a1);
        a1.Dispose();
        dz1.Dispose();
        TensorOps.Add(dx2, dF, dx2);
        dF.Dispose();
        return (ConcatAndDispose(x1, x2, MemoryCategory.Activations), ConcatAndDispose(dx1, dx2, MemoryCategory.Workspace));
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        GetOutputShape(input.Shape);
        (Tensor x1, Tensor x2) = LayerKit.Split(input, MemoryCategory.Activations);
        (Tensor y1, Tensor a1) = Couple(F, x2, x1, mode);
        (Tensor y2, Tensor a2) = Couple(G, y1, x2, mode);
        Tensor y = LayerKit.Concat(y1, y2, MemoryCategory.Activations);
        y2.Dispose();

        // F holds x2 and G holds y1 until their backward; the scales and x1 are this layer's.
        (_x1, _x2, _a1, _a2) = (Save(x1), Save(x2), Save(a1), Save(a2));
        Save(y1);
        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);
        (Tensor dz1, Tensor dx2) = BackHalf(G, dy2, _x2!, _a2!);
        dy2.Dispose();
        TensorOps.Add(dz1, dy1, dz1);
        dy1.Dispose();
        (Tensor dF, Tensor dx1) = BackHalf(F, dz1, _x1!, _a1!);
        dz1.Dispose();
        TensorOps.Add(dx2, dF, dx2);
        dF.Dispose();
        (_x1, _x2, _a1, _a2) = (null, null, null, null);
        return ConcatAndDispose(dx1, dx2, MemoryCategory.Workspace);
    }

    /// <summary>y = x ⊙ a + t with (s, t) = layer(u) and a = σ(s + 2); returns y and a.</summary>
    private static (Tensor Y, Tensor A) Couple(ILayer layer, Tensor u, Tensor x, ForwardMode mode)
    {
        (Tensor a, Tensor t) = ScaleAndShift(layer, u, mode);
        Tensor y = LayerKit.Activation(x.Device, x.Shape);
        TensorOps.Multiply(x, a, y);
        TensorOps.Add(y, t, y);
        t.Dispose();
        return (y, a);
    }

    /// <summary>x = (y − t) / a with (s, t) = layer(u) and a = σ(s + 2); returns x and a.</summary>
    private static (Tensor X, Tensor A) Uncouple(ILayer layer, Tensor u, Tensor y, ForwardMode mode)
    {
        (Tensor a, Tensor t) = ScaleAndShift(layer, u, mode);
        Tensor x = LayerKit.Activation(y.Device, y.Shape);
        TensorOps.Subtract(y, t, x);
        TensorOps.Divide(x, a, x);
        t.Dispose();
        return (x, a);
    }

    /// <summary>Runs F or G on u and returns (σ(s + 2), t).</summary>
    private static (Tensor A, Tensor T) ScaleAndShift(ILayer layer, Tensor u, ForwardMode mode)
    {
        Tensor st = layer.Forward(u, mode);
        (Tensor a, Tensor t) = LayerKit.Split(st, MemoryCategory.Activations);
        st.Dispose();
        TensorOps.ScaleAdd(a, 1f, ScaleOffset, a);
        TensorOps.Sigmoid(a, a);
        return (a, t);
    }

    /// <summary>
    /// Back-propagates dy through y = x ⊙ a + t, (s, t) = layer(u), a = σ(s + 2): returns dL/du (through the layer) and
    /// dL/dx = dy ⊙ a. dL/ds = dy ⊙ x ⊙ a(1 − a), dL/dt = dy.
    /// </summary>
    private static (Tensor Du, Tensor Dx) BackHalf(ILayer layer, Tensor dy, Tensor x, Tensor a)
    {
        Tensor ds = LayerKit.Workspace(dy.Device, dy.Shape);
        TensorOps.Multiply(dy, x, ds);
        TensorOps.SigmoidBackward(a, ds, ds);
        Tensor dst = ConcatAndDispose(ds, null, MemoryCategory.Workspace, dy);
        Tensor du = layer.Backward(dst);
        dst.Dispose();
        Tensor dx = LayerKit.Workspace(dy.Device, dy.Shape);
        TensorOps.Multiply(dy, a, dx);
        return (du, dx);
    }

    /// <summary>Concatenates two halves and disposes the owned ones (b, or the borrowed <paramref name="borrowedB"/>).</summary>
    private static Tensor ConcatAndDispose(Tensor a, Tensor? b, MemoryCategory category, Tensor? borrowedB = null)
    {
        Tensor whole = LayerKit.Concat(a, b ?? borrowedB!, category);
        a.Dispose();
        b?.Dispose();
        return whole;
    }
}
