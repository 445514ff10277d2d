using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A chain of layers. In <see cref="ActivationMode.Store"/> it is an ordinary network: every layer keeps what its
/// backward needs. In <see cref="ActivationMode.Reconstruct"/> a training forward keeps no activation inside a run
/// of invertible layers (each block's input and internals are released as soon as its output exists) and backward
/// rebuilds the inputs block by block from the outputs; non-invertible layers keep their input, and composite
/// ones (units made of several layers) keep only that and recompute their internals once in backward.
/// </summary>
/// <remarks>
/// Consecutive coupling units (<see cref="ReversibleBlock"/>, <see cref="CouplingTransition"/>) exchange their two
/// channel halves directly: the graph splits once when a run starts and concatenates once when it ends. The same
/// weights run both ways: set <see cref="Mode"/> between steps. The mode applies to training forwards that this
/// graph runs as the outer graph; nested graphs follow the mode their parent gives them.
/// </remarks>
public sealed class Sequential : ILayer, IModalLayer
{
    private readonly ILayer[] _layers;
    private readonly bool[] _coupling;
    private readonly bool[] _invertible;
    private readonly bool[] _composite;
    private readonly bool[] _needsInput;
    private readonly LayerValue[] _in;
    private readonly LayerValue[] _outKeep;
    private readonly bool[] _rebuild;
    private readonly bool[] _checkpoint;
    private readonly double[]?[] _fingerprints;
    private readonly CouplingGrid _grid = new();
    private LayerValue _tail;
    private bool _ready;

    /// <summary>Creates the chain; it owns the layers and disposes them.</summary>
    /// <param name="layers">At least one layer.</param>
    /// <exception cref="ArgumentException">No layers, or a null one.</exception>
    public Sequential(params IEnumerable<ILayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
        if (_layers.Length == 0 || Array.Exists(_layers, l => l is null))
        {
            throw new ArgumentException("A Sequential needs at least one layer and no null ones.", nameof(layers));
        }

        int n = _layers.Length;
        _coupling = Array.ConvertAll(_layers, l => l is ICouplingLayer);
        _invertible = Array.ConvertAll(_layers, l => l is IReversibleLayer);
        _composite = Array.ConvertAll(_layers, l => l is IModalLayer { IsComposite: true });
        _needsInput = Array.ConvertAll(_layers, l => l is not IModalLayer modal || modal.NeedsInput);
        _in = new LayerValue[n];
        _outKeep = new LayerValue[n];
        _rebuild = new bool[n];
        _checkpoint = new bool[n];
        _fingerprints = new double[]?[n];
        Parameters = [.. _layers.SelectMany(l => l.Parameters)];
        Buffers = [.. _layers.SelectMany(l => l.Buffers)];
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>How a training forward keeps activations (takes effect at the next forward).</summary>
    public ActivationMode Mode { get; set; }

    /// <summary>
    /// Opt-in checks of the activations rebuilt in <see cref="ActivationMode.Reconstruct"/> (null, the default: none,
    /// and nothing is read back from the device). Takes effect at the next forward.
    /// </summary>
    public ReconstructionChecks? Checks { get; set; }

    /// <summary>Whether every layer is invertible, so that <see cref="Inverse"/> works.</summary>
    public bool IsInvertible => Array.TrueForAll(_invertible, v => v);

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers { get; }

    /// <inheritdoc />
    bool IModalLayer.IsComposite => true;

    /// <summary>Host readbacks made by <see cref="Checks"/> (0 while the checks are off).</summary>
    internal long CheckReadbacks { get; private set; }

    /// <summary>Called with (layer index, input) before each invertible layer runs in a Reconstruct forward.</summary>
    internal Action<int, LayerValue>? ForwardInputObserver { get; set; }

    /// <summary>Called with (layer index, rebuilt input) after each invertible layer's memory-free backward.</summary>
    internal Action<int, LayerValue>? RebuiltInputObserver { get; set; }

    /// <summary>
    /// Raised (a warning, not an error) when a rebuilt input drifts past <see cref="ReconstructionChecks.DriftThreshold"/>.
    /// </summary>
    public event EventHandler<ReconstructionDriftEventArgs>? ReconstructionDrift;

    /// <summary>
    /// Rebuilds the input of the whole graph from its output in evaluation mode, layer by layer from the last.
    /// </summary>
    /// <param name="output">The output (borrowed).</param>
    /// <returns>The input, owned by the caller.</returns>
    /// <exception cref="NotInvertibleException">A layer is not an <see cref="IReversibleLayer"/> (named in the
    /// message); see <see cref="IsInvertible"/>.</exception>
    public Tensor Inverse(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int bad = Array.IndexOf(_invertible, false);
        if (bad >= 0)
        {
            throw new NotInvertibleException(bad, $"{ReconstructionCheck.NameOf(_layers[bad], bad)}, a {_layers[bad].GetType().Name}");
        }

        Tensor current = output;
        for (int i = _layers.Length - 1; i >= 0; i--)
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
    public Shape GetOutputShape(Shape input)
    {
        foreach (ILayer layer in _layers)
        {
            input = layer.GetOutputShape(input);
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
        if (!_ready)
        {
            throw LayerKit.NoForward(this);
        }

        _ready = false;
        LayerValue y = _tail; // the output of layer i (needed only when layer i is rebuilt from it)
        _tail = default;
        LayerValue g = LayerValue.Single(outputGradient, owned: false);
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            g = Convert(g, _coupling[i], MemoryCategory.Workspace);
            if (_rebuild[i])
            {
                y = Convert(y, _coupling[i], MemoryCategory.Activations);
                (y, g) = BackwardFromOutput(i, y, g);
                RebuiltInputObserver?.Invoke(i, y);
                if (Checks is { } checks)
                {
                    Verify(i, y, g, checks);
                }

                continue;
            }

            if (_checkpoint[i])
            {
                // A recomputed layer makes its own internals: its old output is dead before the recompute starts.
                y.Release();
                y = default;
            }

            LayerValue dx = BackwardSaved(i, g);
            g.Release();
            y.Release();
            _outKeep[i].Release();
            _outKeep[i] = default;
            y = _in[i];
            _in[i] = default;
            g = dx;
        }

        y.Release();
        LayerValue result = Convert(g, pair: false, MemoryCategory.Workspace);
        return result.A!;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseSaved();
        _grid.Dispose();
        foreach (ILayer layer in _layers)
        {
            layer.Dispose();
        }
    }

    /// <summary>Runs the chain in a forward mode.</summary>
    internal Tensor Forward(Tensor input, ForwardMode mode) => Run(input, mode, outputNeeded: true)!;

    /// <inheritdoc />
    void IModalLayer.PrepareBackward(Tensor input) => Run(input, ForwardMode.Recompute, outputNeeded: false);

    private Tensor? Run(Tensor input, ForwardMode mode, bool outputNeeded)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReleaseSaved();
        bool reconstruct = mode == ForwardMode.Train && Mode == ActivationMode.Reconstruct;
        bool keeps = LayerKit.Keeps(mode);
        int last = _layers.Length - 1;
        LayerValue cur = LayerValue.Single(input, owned: false);
        bool prevNeedsOutput = false;
        for (int i = 0; i <= last; i++)
        {
            ForwardMode layerMode = mode;
            bool rebuildPrev = i > 0 && _rebuild[i - 1];
            bool keepInput = keeps && (_needsInput[i] || rebuildPrev);
            _rebuild[i] = false;
            _checkpoint[i] = false;
            if (reconstruct && (_invertible[i] || _composite[i]))
            {
                layerMode = ForwardMode.TrainNoSave;
                keepInput = !_invertible[i];
                _rebuild[i] = _invertible[i];
                _checkpoint[i] = !_invertible[i];
            }

            LayerValue x = Convert(cur, _coupling[i], MemoryCategory.Activations, out bool converted);
            if (converted && x.IsPair && _invertible[i])
            {
                // A run of invertible couplings starts on the coupling grid, so that it inverts exactly.
                _grid.Snap(x.A!, x.B!);
            }

            if (converted)
            {
                // cur is layer i−1's output in its own form; a saving coupling references it until its backward.
                KeepOrRelease(i - 1, cur, prevNeedsOutput);
            }

            if (_rebuild[i])
            {
                ForwardInputObserver?.Invoke(i, x);
                _fingerprints[i] = null;
                if (Checks?.DriftThreshold is not null)
                {
                    CheckReadbacks++;
                    _fingerprints[i] = ReconstructionCheck.Fingerprint(x.ToHost());
                }
            }

            LayerValue output = default;
            if (i == last && !outputNeeded)
            {
                Prepare(i, x);
            }
            else
            {
                output = Run(i, x, layerMode);
            }

            if (keepInput)
            {
                _in[i] = x;
            }
            else
            {
                KeepOrRelease(i - 1, x, prevNeedsOutput && !converted);
            }

            prevNeedsOutput = _coupling[i] && LayerKit.Keeps(layerMode);
            cur = output;
        }

        _ready = keeps;
        if (cur.IsEmpty)
        {
            return null;
        }

        if (_rebuild[last] || prevNeedsOutput)
        {
            // The last output is needed in backward, but the caller owns what we return: return a copy.
            _tail = cur;
            if (cur.IsPair)
            {
                return cur.As(pair: false, MemoryCategory.Activations).A!;
            }

            return CopyOf(cur.A!);
        }

        LayerValue result = Convert(cur, pair: false, MemoryCategory.Activations, out bool concatenated);
        if (concatenated)
        {
            cur.Release();
        }

        return result.A!;
    }

    private static LayerValue Convert(LayerValue value, bool pair, MemoryCategory category, out bool converted)
    {
        LayerValue result = value.As(pair, category);
        converted = !ReferenceEquals(result.A, value.A);
        return result;
    }

    private static LayerValue Convert(LayerValue value, bool pair, MemoryCategory category)
    {
        if (value.IsEmpty)
        {
            return value;
        }

        LayerValue result = Convert(value, pair, category, out bool converted);
        if (converted)
        {
            value.Release();
        }

        return result;
    }

    private static Tensor CopyOf(Tensor t)
    {
        Tensor copy = LayerKit.Activation(t.Device, t.Shape);
        Ops.TensorOps.Copy(t, copy);
        return copy;
    }

    private void KeepOrRelease(int index, LayerValue value, bool keep)
    {
        if (keep && index >= 0)
        {
            _outKeep[index] = value;
        }
        else
        {
            value.Release();
        }
    }

    private void Prepare(int i, LayerValue x)
    {
        if (x.IsPair)
        {
            // Couplings need their first output (G's input) anyway: run them and drop the outputs.
            (Tensor y1, Tensor y2) = ((ICouplingLayer)_layers[i]).ForwardPair(x.A!, x.B!, ForwardMode.Recompute);
            _tail = LayerValue.Pair(y1, y2);
            return;
        }

        LayerKit.Prepare(_layers[i], x.A!);
    }

    private LayerValue Run(int i, LayerValue x, ForwardMode mode)
    {
        if (x.IsPair)
        {
            (Tensor y1, Tensor y2) = ((ICouplingLayer)_layers[i]).ForwardPair(x.A!, x.B!, mode);
            return LayerValue.Pair(y1, y2);
        }

        return LayerValue.Single(LayerKit.Run(_layers[i], x.A!, mode), owned: true);
    }

    private LayerValue BackwardSaved(int i, LayerValue g)
    {
        ILayer layer = _layers[i];
        if (g.IsPair)
        {
            var coupling = (ICouplingLayer)layer;
            (Tensor dx1, Tensor dx2) = _checkpoint[i]
                ? coupling.RecomputeBackwardPair(_in[i].A!, _in[i].B!, g.A!, g.B!)
                : coupling.BackwardPair(g.A!, g.B!);
            return LayerValue.Pair(dx1, dx2);
        }

        Tensor dx = _checkpoint[i]
            ? ((IModalLayer)layer).RecomputeBackward(_in[i].A!, g.A!)
            : layer.Backward(g.A!);
        return LayerValue.Single(dx, owned: true);
    }

    private (LayerValue X, LayerValue Dx) BackwardFromOutput(int i, LayerValue y, LayerValue g)
    {
        if (y.IsEmpty)
        {
            throw new InvalidOperationException($"Layer {i} has no output to rebuild its input from.");
        }

        if (y.IsPair)
        {
            // Pairs reaching here were made by this graph, so they are owned and may be consumed in place.
            (Tensor x1, Tensor x2, Tensor dx1, Tensor dx2) =
                ((IInvertibleCoupling)_layers[i]).BackwardFromOutputPair(y.A!, y.B!, g.A!, g.B!);
            return (LayerValue.Pair(x1, x2), LayerValue.Pair(dx1, dx2));
        }

        (Tensor x, Tensor dx) = ((IReversibleLayer)_layers[i]).BackwardFromOutput(y.A!, g.A!);
        y.Release();
        g.Release();
        return (LayerValue.Single(x, owned: true), LayerValue.Single(dx, owned: true));
    }

    private void Verify(int i, LayerValue x, LayerValue g, ReconstructionChecks checks)
    {
        float[] values = x.ToHost();
        CheckReadbacks++;
        if (checks.CheckNonFinite)
        {
            int bad = ReconstructionCheck.FirstNonFinite(values);
            if (bad >= 0)
            {
                x.Release();
                g.Release();
                throw new NonFiniteActivationException(i, ReconstructionCheck.NameOf(_layers[i], i), "rebuilt input", bad, values[bad]);
            }
        }

        if (checks.DriftThreshold is double threshold && _fingerprints[i] is double[] saved)
        {
            _fingerprints[i] = null;
            double[] rebuilt = ReconstructionCheck.Fingerprint(values);
            double drift = ReconstructionCheck.Drift(saved, rebuilt, values.Length);
            if (drift > threshold)
            {
                ReconstructionDrift?.Invoke(
                    this,
                    new ReconstructionDriftEventArgs(i, ReconstructionCheck.NameOf(_layers[i], i), saved, rebuilt, drift, threshold));
            }
        }
    }

    private void ReleaseSaved()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            _in[i].Release();
            _outKeep[i].Release();
            _in[i] = default;
            _outKeep[i] = default;
        }

        _tail.Release();
        _tail = default;
        _ready = false;
    }
}
