using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>A residual unit y = F(x) + s(x), where a null shortcut s is the identity (ResNets).</summary>
public sealed class ResidualUnit : ILayer, IModalLayer
{
    private bool _saved;

    /// <summary>Creates the unit; it owns and disposes its parts.</summary>
    /// <param name="f">The residual function.</param>
    /// <param name="shortcut">The shortcut (null: identity).</param>
    /// <param name="name">A name for reports.</param>
    public ResidualUnit(ILayer f, ILayer? shortcut, string name = "unit")
    {
        ArgumentNullException.ThrowIfNull(f);
        F = f;
        Shortcut = shortcut;
        Name = name;
        Parameters = [.. f.Parameters, .. shortcut?.Parameters ?? []];
        Buffers = [.. f.Buffers, .. shortcut?.Buffers ?? []];
    }

    /// <summary>The residual function.</summary>
    public ILayer F { get; }

    /// <summary>The shortcut, or null for the identity.</summary>
    public ILayer? Shortcut { get; }

    /// <summary>The name given at construction.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers { get; }

    /// <inheritdoc />
    bool IModalLayer.IsComposite => true;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input)
    {
        LayerKit.Prepare(F, input);
        if (Shortcut is not null)
        {
            LayerKit.Prepare(Shortcut, input);
        }

        _saved = true;
    }

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input)
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
    public Tensor Forward(Tensor input, bool training) => Forward(input, LayerKit.ModeOf(training));

    /// <inheritdoc />
    Tensor IModalLayer.Forward(Tensor input, ForwardMode mode) => Forward(input, mode);

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_saved)
        {
            throw LayerKit.NoForward(this);
        }

        _saved = false;
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

    /// <inheritdoc />
    public void Dispose()
    {
        F.Dispose();
        Shortcut?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"ResidualUnit {Name}";

    /// <summary>Runs the unit in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor y = LayerKit.Run(F, input, mode);
        if (Shortcut is null)
        {
            TensorOps.Add(y, input, y);
        }
        else
        {
            using Tensor s = LayerKit.Run(Shortcut, input, mode);
            TensorOps.Add(y, s, y);
        }

        _saved = LayerKit.Keeps(mode);
        return y;
    }
}
