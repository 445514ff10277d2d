using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// The base class of layers: it carries the bookkeeping every layer repeats — parameters, buffers and child layers
/// (in a stable order, disposed with the layer), the input reference kept by a saving forward, intermediates kept
/// until backward, and the "Backward without a forward" error. Library and user layers derive from it alike.
/// </summary>
/// <remarks>
/// Implement <see cref="OnForward"/> and <see cref="OnBackward"/>. Pass the <see cref="ForwardMode"/> you are given
/// on to the layers you hold, and hand intermediates that your backward needs to <see cref="Save"/>: in a mode that
/// does not keep for backward they are disposed at once, so a layer nested anywhere keeps nothing in a
/// memory-free (Reconstruct) step. Override <see cref="Recompute"/> with <see cref="ReadyFor"/> when your backward
/// needs only the input (and O(C) state from the training forward).
/// </remarks>
public abstract class Layer : ILayer
{
    private readonly List<Parameter> _parameters = [];
    private readonly List<Parameter> _buffers = [];
    private readonly List<ILayer> _children = [];
    private readonly List<Tensor> _saved = [];
    private Tensor? _input;
    private bool _ready;
    private bool _disposed;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">A name for reports and the prefix of its parameter names.</param>
    protected Layer(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers => _buffers;

    /// <summary>The layers this one holds, in registration order.</summary>
    public IReadOnlyList<ILayer> Children => _children;

    /// <inheritdoc />
    public virtual LayerTraits Traits => LayerTraits.None;

    /// <summary>Whether the forward in progress keeps what backward needs.</summary>
    protected bool Keeping { get; private set; }

    /// <inheritdoc />
    public abstract Shape GetOutputShape(Shape input);

    /// <inheritdoc />
    public Tensor Forward(Tensor input, ForwardMode mode)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReleaseSaved();
        Keeping = mode.KeepsForBackward();
        Tensor output = OnForward(input, mode);
        if (Keeping)
        {
            _input = input;
            _ready = true;
        }

        return output;
    }

    /// <inheritdoc />
    public virtual void Recompute(Tensor input) => Forward(input, ForwardMode.Recompute).Dispose();

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_ready)
        {
            throw new InvalidOperationException(
                $"{GetType().Name} '{Name}': Backward was called without a preceding training Forward (or a second "
                + "time for one forward). Run Forward with ForwardMode.Train (or TrainNoSave, then Recompute) first.");
        }

        _ready = false;
        try
        {
            return OnBackward(_input!, outputGradient);
        }
        finally
        {
            ReleaseSaved();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name} {Name}";

    /// <summary>Disposes the layer: its saved tensors, child layers and parameters.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs the layer (input borrowed, output owned by the caller).</summary>
    /// <param name="input">The input.</param>
    /// <param name="mode">The forward mode (pass it on to held layers).</param>
    /// <returns>The output.</returns>
    protected abstract Tensor OnForward(Tensor input, ForwardMode mode);

    /// <summary>Back-propagates through the last keeping forward.</summary>
    /// <param name="input">The input of that forward (alive unless the layer is <see cref="LayerTraits.ShapeOnlyBackward"/>).</param>
    /// <param name="outputGradient">dL/dy (borrowed).</param>
    /// <returns>dL/dx (owned by the caller).</returns>
    protected abstract Tensor OnBackward(Tensor input, Tensor outputGradient);

    /// <summary>
    /// Keeps an intermediate this layer made until the next <see cref="Backward"/> (disposed after it). When the
    /// forward in progress does not keep for backward, disposes it now and returns null.
    /// </summary>
    /// <param name="owned">A tensor the layer owns.</param>
    /// <returns>The tensor, or null when it was disposed.</returns>
    protected Tensor? Save(Tensor owned)
    {
        ArgumentNullException.ThrowIfNull(owned);
        if (!Keeping)
        {
            owned.Dispose();
            return null;
        }

        _saved.Add(owned);
        return owned;
    }

    /// <summary>Readies <see cref="Backward"/> for an input without running the forward (for <see cref="Recompute"/>).</summary>
    /// <param name="input">The input of the training forward (borrowed).</param>
    protected void ReadyFor(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReleaseSaved();
        _input = input;
        _ready = true;
    }

    /// <summary>Registers a layer this one holds: its parameters and buffers join this layer's, and it is disposed with it.</summary>
    /// <typeparam name="T">The layer type.</typeparam>
    /// <param name="child">The layer (null is allowed and ignored, for optional parts).</param>
    /// <returns>The child.</returns>
    protected T Hold<T>(T child)
        where T : ILayer?
    {
        if (child is not null)
        {
            _children.Add(child);
            _parameters.AddRange(child.Parameters);
            _buffers.AddRange(child.Buffers);
        }

        return child;
    }

    /// <summary>Creates a trainable parameter named <c>Name + "." + suffix</c> (value uninitialised, gradient zeroed).</summary>
    /// <param name="device">The device.</param>
    /// <param name="suffix">The name suffix, e.g. <c>weight</c>.</param>
    /// <param name="shape">The shape.</param>
    /// <returns>The parameter, disposed with the layer.</returns>
    protected Parameter AddParameter(ComputeDevice device, string suffix, Shape shape)
    {
        var p = new Parameter(device, Name + "." + suffix, shape);
        _parameters.Add(p);
        return p;
    }

    /// <summary>Creates a non-trainable buffer named <c>Name + "." + suffix</c> (saved in checkpoints).</summary>
    /// <param name="device">The device.</param>
    /// <param name="suffix">The name suffix, e.g. <c>running_mean</c>.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="value">The initial value of every element.</param>
    /// <returns>The buffer, disposed with the layer.</returns>
    protected Parameter AddBuffer(ComputeDevice device, string suffix, Shape shape, float value)
    {
        var p = new Parameter(device, Name + "." + suffix, shape, trainable: false);
        Ops.TensorOps.Fill(p.Value, value);
        _buffers.Add(p);
        return p;
    }

    /// <summary>Releases what the layer holds.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        ReleaseSaved();
        foreach (ILayer child in _children)
        {
            child.Dispose();
        }

        var owned = new HashSet<Parameter>(_children.SelectMany(c => c.Parameters.Concat(c.Buffers)));
        foreach (Parameter p in _parameters.Concat(_buffers).Where(p => !owned.Contains(p)))
        {
            p.Dispose();
        }
    }

    private void ReleaseSaved()
    {
        _input = null;
        _ready = false;
        foreach (Tensor t in _saved)
        {
            t.Dispose();
        }

        _saved.Clear();
    }
}
