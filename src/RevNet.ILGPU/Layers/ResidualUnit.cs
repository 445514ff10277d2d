using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A residual unit y = F(x) + s(x), where a null shortcut s is the identity (ResNets). In a Reconstruct step a graph
/// keeps only its input and recomputes it in backward (<see cref="LayerTraits.Recomputable"/>).
/// </summary>
public sealed class ResidualUnit : Layer
{
    /// <summary>Creates the unit; it owns and disposes its parts.</summary>
    /// <param name="f">The residual function.</param>
    /// <param name="shortcut">The shortcut (null: identity).</param>
    /// <param name="name">A name for reports.</param>
    public ResidualUnit(ILayer f, ILayer? shortcut, string name = "unit")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(f);
        F = Hold(f);
        Shortcut = Hold(shortcut);
    }

    /// <summary>The residual function.</summary>
    public ILayer F { get; }

    /// <summary>The shortcut, or null for the identity.</summary>
    public ILayer? Shortcut { get; }

    /// <inheritdoc />
    public override LayerTraits Traits => LayerTraits.Recomputable;

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        Shape y = F.GetOutputShape(input);
        Shape s = Shortcut?.GetOutputShape(input) ?? input;
        if (y != s)
        {
            throw new ArgumentException($"F gives {y} but the shortcut gives {s} for input {input}.", nameof(input));
        }

        return y;
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input)
    {
        F.Recompute(input);
        Shortcut?.Recompute(input);
        ReadyFor(input);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor y = F.Forward(input, mode);
        if (Shortcut is null)
        {
            TensorOps.Add(y, input, y);
        }
        else
        {
            using Tensor s = Shortcut.Forward(input, mode);
            TensorOps.Add(y, s, y);
        }

        return y;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Tensor dx = F.Backward(outputGradient);
        if (Shortcut is null)
        {
            TensorOps.Add(dx, outputGradient, dx);
        }
        else
        {
            using Tensor ds = Shortcut.Backward(outputGradient);
            TensorOps.Add(dx, ds, dx);
        }

        return dx;
    }
}
