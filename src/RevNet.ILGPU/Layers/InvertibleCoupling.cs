using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A <see cref="Coupling"/> whose input can be rebuilt from its output, so a graph in
/// <see cref="ActivationMode.Reconstruct"/> keeps none of its activations: implement <see cref="InverseHalves"/> and
/// <see cref="BackwardFromOutputHalves"/> besides the forward and backward of <see cref="Coupling"/>.
/// </summary>
public abstract class InvertibleCoupling : Coupling, IReversibleLayer
{
    /// <summary>Creates the coupling; it owns and disposes F and G.</summary>
    /// <param name="f">F, applied to x₂.</param>
    /// <param name="g">G, applied to y₁.</param>
    /// <param name="arithmetic">How branch outputs are added.</param>
    /// <param name="name">A name for reports.</param>
    protected InvertibleCoupling(ILayer f, ILayer g, CouplingArithmetic arithmetic, string name)
        : base(f, g, arithmetic, name)
    {
    }

    /// <summary>Evaluation-mode inverse on halves (borrowed); returns the input halves (owned).</summary>
    /// <param name="y1">y₁.</param>
    /// <param name="y2">y₂.</param>
    /// <returns>(x₁, x₂).</returns>
    public (Tensor X1, Tensor X2) InversePair(Tensor y1, Tensor y2)
    {
        ArgumentNullException.ThrowIfNull(y1);
        ArgumentNullException.ThrowIfNull(y2);
        return InverseHalves(y1, y2);
    }

    /// <summary>
    /// The memory-free backward on halves: rebuilds the input from the output and back-propagates, recomputing F and G
    /// once each. <b>Consumes</b> all four arguments (their buffers are reused in place or disposed) and returns the
    /// rebuilt input halves and their gradients, owned by the caller.
    /// </summary>
    /// <param name="y1">y₁ (consumed).</param>
    /// <param name="y2">y₂ (consumed).</param>
    /// <param name="dy1">dL/dy₁ (consumed).</param>
    /// <param name="dy2">dL/dy₂ (consumed).</param>
    /// <returns>(x₁, x₂, dL/dx₁, dL/dx₂).</returns>
    public (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) BackwardFromOutputPair(Tensor y1, Tensor y2, Tensor dy1, Tensor dy2)
    {
        ArgumentNullException.ThrowIfNull(y1);
        ArgumentNullException.ThrowIfNull(y2);
        ArgumentNullException.ThrowIfNull(dy1);
        ArgumentNullException.ThrowIfNull(dy2);
        return BackwardFromOutputHalves(y1, y2, dy1, dy2);
    }

    /// <inheritdoc />
    public Tensor Inverse(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor x1, Tensor x2) = InverseHalves(y1, y2);
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
        (Tensor y1, Tensor y2) = LayerKit.Split(output, MemoryCategory.Activations);
        (Tensor dy1, Tensor dy2) = LayerKit.Split(outputGradient, MemoryCategory.Workspace);
        (Tensor x1, Tensor x2, Tensor dx1, Tensor dx2) = BackwardFromOutputHalves(y1, y2, dy1, dy2);
        Tensor x = LayerKit.Concat(x1, x2, MemoryCategory.Activations);
        x1.Dispose();
        x2.Dispose();
        Tensor dx = LayerKit.Concat(dx1, dx2, MemoryCategory.Workspace);
        dx1.Dispose();
        dx2.Dispose();
        return (x, dx);
    }

    /// <summary>The inverse on halves (see <see cref="InversePair"/>).</summary>
    /// <param name="y1">y₁ (borrowed).</param>
    /// <param name="y2">y₂ (borrowed).</param>
    /// <returns>(x₁, x₂), owned.</returns>
    protected abstract (Tensor X1, Tensor X2) InverseHalves(Tensor y1, Tensor y2);

    /// <summary>The memory-free backward on halves (see <see cref="BackwardFromOutputPair"/>; consumes its arguments).</summary>
    /// <param name="y1">y₁.</param>
    /// <param name="y2">y₂.</param>
    /// <param name="dy1">dL/dy₁.</param>
    /// <param name="dy2">dL/dy₂.</param>
    /// <returns>(x₁, x₂, dL/dx₁, dL/dx₂).</returns>
    protected abstract (Tensor X1, Tensor X2, Tensor Dx1, Tensor Dx2) BackwardFromOutputHalves(
        Tensor y1, Tensor y2, Tensor dy1, Tensor dy2);
}
