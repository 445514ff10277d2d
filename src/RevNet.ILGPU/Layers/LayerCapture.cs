using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A debugging observer: add it to <see cref="Sequential.Observers"/> to copy one kind of value of the selected layers
/// to the host, in the order the graph produces them (forward order for inputs and outputs, reverse order in backward).
/// </summary>
/// <param name="kind">What to copy.</param>
/// <param name="select">Which layers (null: all).</param>
public sealed class LayerCapture(CaptureKind kind, Func<ILayer, bool>? select = null) : IGraphObserver
{
    private readonly List<Captured> _captures = [];

    /// <summary>The values copied so far.</summary>
    public IReadOnlyList<Captured> Captures => _captures;

    /// <summary>Forgets the values copied so far.</summary>
    public void Clear() => _captures.Clear();

    /// <inheritdoc />
    public void OnForward(in LayerEvent e)
    {
        if (kind is CaptureKind.Input or CaptureKind.Output)
        {
            Take(e, kind == CaptureKind.Input ? e.Input : e.Output);
        }
    }

    /// <inheritdoc />
    public void OnBackward(in LayerEvent e)
    {
        switch (kind)
        {
            case CaptureKind.OutputGradient:
                Take(e, e.OutputGradient);
                break;
            case CaptureKind.InputGradient:
                Take(e, e.InputGradient);
                break;
            case CaptureKind.RebuiltInput when e.Action == LayerAction.Rebuild:
                Take(e, e.Input);
                break;
        }
    }

    private void Take(in LayerEvent e, ActivationView view)
    {
        if (!view.IsEmpty && (select is null || select(e.Layer)))
        {
            _captures.Add(new Captured(e.Index, e.Layer.Name, e.Step, view.Shape, view.ToArray()));
        }
    }

    /// <summary>One copied value.</summary>
    /// <param name="Index">The layer's index in the plan.</param>
    /// <param name="LayerName">The layer's name.</param>
    /// <param name="Step">The graph's training step.</param>
    /// <param name="Shape">The value's shape.</param>
    /// <param name="Values">The values in NCHW order.</param>
    public sealed record Captured(int Index, string LayerName, long Step, Shape Shape, float[] Values);
}
