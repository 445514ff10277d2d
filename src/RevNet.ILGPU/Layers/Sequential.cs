using RevNet.ILGPU.Layers.Graph;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A chain of layers run as a plan. In <see cref="ActivationMode.Store"/> it is an ordinary network: every layer keeps
/// what its backward needs. In <see cref="ActivationMode.Reconstruct"/> a training forward keeps no activation inside
/// a run of invertible layers (<see cref="IReversibleLayer"/>: each one's input is released as soon as its output
/// exists) and backward rebuilds the inputs layer by layer from the outputs; recomputable units
/// (<see cref="LayerTraits.Recomputable"/>) keep only their input and are recomputed once in backward; other layers keep
/// what they need.
/// </summary>
/// <remarks>
/// <para>What to keep, drop or rebuild is decided once per (forward mode, activation mode, input shape) from the layers'
/// declared properties, and a short executor runs that plan. Nested <see cref="Sequential"/>s are flattened into the
/// plan, so nesting changes nothing: the same layers give the same memory and the same bits however they are grouped.
/// The mode and observers of the outermost graph apply.</para>
/// <para>Consecutive couplings (<see cref="Coupling"/>) exchange their two channel halves directly: the graph splits once
/// when a run starts and concatenates once when it ends. The same weights run both ways: set <see cref="Mode"/> between
/// steps.</para>
/// </remarks>
public sealed class Sequential : Layer
{
    private readonly ILayer[] _layers;
    private readonly ILayer[] _flat;
    private readonly Dictionary<(ForwardMode, ActivationMode, Shape), GraphPlan> _plans = [];
    private readonly List<IGraphObserver> _observers = [];
    private readonly GraphExecutor _executor;
    private long _trainForwards;

    /// <summary>Creates the chain; it owns the layers and disposes them.</summary>
    /// <param name="layers">At least one layer.</param>
    /// <exception cref="ArgumentException">No layers, or a null one.</exception>
    public Sequential(params IEnumerable<ILayer> layers)
        : this("sequential", layers)
    {
    }

    /// <summary>Creates a named chain; it owns the layers and disposes them.</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="layers">At least one layer.</param>
    /// <exception cref="ArgumentException">No layers, or a null one.</exception>
    public Sequential(string name, IEnumerable<ILayer> layers)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
        if (_layers.Length == 0 || Array.Exists(_layers, l => l is null))
        {
            throw new ArgumentException("A Sequential needs at least one layer and no null ones.", nameof(layers));
        }

        foreach (ILayer layer in _layers)
        {
            Hold(layer);
        }

        _flat = [.. _layers.SelectMany(l => l is Sequential s ? s._flat : [l])];
        _executor = new GraphExecutor { Observers = _observers };
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>The layers of the plan: these layers with nested <see cref="Sequential"/>s flattened.</summary>
    public IReadOnlyList<ILayer> PlannedLayers => _flat;

    /// <summary>How a training forward keeps activations (takes effect at the next forward).</summary>
    public ActivationMode Mode { get; set; }

    /// <summary>
    /// Observers of the plan's execution (checks, audits, captures). Empty by default: then nothing is read back.
    /// Observers of a graph nested in another are not called (the outer plan runs the layers).
    /// </summary>
    public IList<IGraphObserver> Observers => _observers;

    /// <summary>Training forwards run so far (the <see cref="LayerEvent.Step"/> of the next one).</summary>
    public long StepCount => _trainForwards;

    /// <summary>Whether every layer is invertible, so that <see cref="Inverse(Tensor)"/> works.</summary>
    public bool IsInvertible => Array.TrueForAll(_layers, l => l is IReversibleLayer);

    /// <summary>What the plan does with each layer of <see cref="PlannedLayers"/> for a forward mode and input shape.</summary>
    /// <param name="mode">The forward mode.</param>
    /// <param name="input">The input shape.</param>
    /// <returns>One action per planned layer.</returns>
    public IReadOnlyList<LayerAction> Plan(ForwardMode mode, Shape input) => [.. PlanFor(mode, input).Steps.Select(s => s.Action)];

    /// <summary>
    /// Rebuilds the input of the whole graph from its output in evaluation mode, layer by layer from the last.
    /// </summary>
    /// <param name="output">The output (borrowed).</param>
    /// <returns>The input, owned by the caller.</returns>
    /// <exception cref="NotInvertibleException">A layer is not an <see cref="IReversibleLayer"/> (named in the message).</exception>
    public Tensor Inverse(Tensor output) => Inverse(output, 0, _layers.Length);

    /// <summary>
    /// Rebuilds the input of layers [<paramref name="start"/>, <paramref name="end"/>) from the output of layer end − 1,
    /// in evaluation mode.
    /// </summary>
    /// <param name="output">The output of layer end − 1 (borrowed).</param>
    /// <param name="start">The first layer of the range.</param>
    /// <param name="end">One past the last layer of the range.</param>
    /// <returns>The input of layer <paramref name="start"/>, owned by the caller.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or outside the graph.</exception>
    /// <exception cref="NotInvertibleException">The first layer of the range that is not invertible.</exception>
    public Tensor Inverse(Tensor output, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (start < 0 || end > _layers.Length || start >= end)
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"Layer range [{start}, {end}) is empty or outside the graph's {_layers.Length} layers.");
        }

        for (int i = start; i < end; i++)
        {
            if (_layers[i] is not IReversibleLayer)
            {
                throw new NotInvertibleException(i, $"{_layers[i].Name}, a {_layers[i].GetType().Name}");
            }
        }

        Tensor current = output;
        for (int i = end - 1; i >= start; i--)
        {
            Tensor next = ((IReversibleLayer)_layers[i]).Inverse(current);
            if (!ReferenceEquals(current, output))
            {
                current.Dispose();
            }

            current = next;
        }

        return current;
    }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        foreach (ILayer layer in _layers)
        {
            input = layer.GetOutputShape(input);
        }

        return input;
    }

    /// <inheritdoc />
    public override void Recompute(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _executor.Forward(PlanFor(ForwardMode.Recompute, input.Shape), input, outputNeeded: false);
        ReadyFor(input);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        GraphPlan plan = PlanFor(mode, input.Shape);
        if (mode == ForwardMode.Train)
        {
            _executor.Step = _trainForwards++;
        }

        return _executor.Forward(plan, input, outputNeeded: true)!;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient) => _executor.Backward(outputGradient, Name);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _executor.Release();
        base.Dispose(disposing);
    }

    private GraphPlan PlanFor(ForwardMode mode, Shape input)
    {
        var key = (mode, Mode, input);
        if (!_plans.TryGetValue(key, out GraphPlan? plan))
        {
            plan = GraphPlan.Create(_flat, mode, Mode, input);
            _plans[key] = plan;
        }

        return plan;
    }
}
