using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// The shared part of <see cref="Sgd"/> and <see cref="Adam"/>: per-parameter state slots rented from the
/// parameter's device pool as <see cref="MemoryCategory.OptimizerState"/> and zeroed on first use, gradient
/// clearing, and export/import of the state by parameter name.
/// </summary>
public abstract class Optimizer : IOptimizer
{
    private readonly Dictionary<Parameter, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);
    private readonly string[] _slots;
    private float _learningRate;
    private bool _disposed;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The initial learning rate (finite, ≥ 0).</param>
    /// <param name="slots">The names of the state tensors kept per parameter.</param>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite.</exception>
    protected Optimizer(float learningRate, params string[] slots)
    {
        LearningRate = learningRate;
        _slots = slots;
    }

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <inheritdoc />
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            CheckNonNegative(value, "learning rate", nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <inheritdoc />
    public int StepCount { get; private set; }

    /// <inheritdoc />
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ObjectDisposedException.ThrowIf(_disposed, this);
        StepCount++;
        foreach (Parameter p in parameters)
        {
            if (p.Gradient is null)
            {
                continue;
            }

            Update(p.Value, p.Gradient, StateOf(p), StepCount);
        }
    }

    /// <inheritdoc />
    public void ZeroGradients(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (Parameter p in parameters)
        {
            if (p.Gradient is not null)
            {
                TensorOps.Fill(p.Gradient, 0f);

                // Rent the state before the step's activations exist, so that it never takes a buffer that a later
                // step's activations need (which would make the second step allocate).
                StateOf(p);
            }
        }
    }

    /// <inheritdoc />
    public OptimizerState ExportState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensors = new List<NamedArray>();
        foreach ((Parameter p, Tensor[] slots) in _state)
        {
            for (int s = 0; s < _slots.Length; s++)
            {
                tensors.Add(new NamedArray($"{p.Name}#{_slots[s]}", [.. slots[s].Shape.Dims], slots[s].ToArray()));
            }
        }

        return new OptimizerState(Kind, StepCount, LearningRate, tensors);
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(parameters);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (state.Kind != Kind)
        {
            throw new ArgumentException($"The state belongs to a '{state.Kind}' optimizer, this is '{Kind}'.", nameof(state));
        }

        // Validate everything before touching the current state.
        var byName = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (Parameter p in parameters)
        {
            if (p.Gradient is not null && !byName.TryAdd(p.Name, p))
            {
                throw new ArgumentException($"Two parameters are named '{p.Name}'.", nameof(parameters));
            }
        }

        var incoming = new Dictionary<Parameter, NamedArray[]>(ReferenceEqualityComparer.Instance);
        foreach (NamedArray entry in state.Tensors)
        {
            int hash = entry.Name.LastIndexOf('#');
            string paramName = hash < 0 ? entry.Name : entry.Name[..hash];
            int slot = hash < 0 ? -1 : Array.IndexOf(_slots, entry.Name[(hash + 1)..]);
            if (slot < 0)
            {
                throw new ArgumentException($"Unknown optimizer state '{entry.Name}' for '{Kind}'.", nameof(state));
            }

            if (!byName.TryGetValue(paramName, out Parameter? p))
            {
                throw new ArgumentException($"Optimizer state '{entry.Name}' names no trainable parameter of the model.", nameof(state));
            }

            if (!entry.Dimensions.SequenceEqual(p.Shape.Dims))
            {
                throw new ArgumentException($"Optimizer state '{entry.Name}' has shape {entry.ShapeText}; the parameter is {p.Shape}.", nameof(state));
            }

            if (!incoming.TryGetValue(p, out NamedArray[]? slots))
            {
                slots = new NamedArray[_slots.Length];
                incoming[p] = slots;
            }

            if (slots[slot] is not null)
            {
                throw new ArgumentException($"Optimizer state '{entry.Name}' appears twice.", nameof(state));
            }

            slots[slot] = entry;
        }

        foreach ((Parameter p, NamedArray[] slots) in incoming)
        {
            int missing = Array.IndexOf(slots, null);
            if (missing >= 0)
            {
                throw new ArgumentException($"Optimizer state '{p.Name}#{_slots[missing]}' is missing.", nameof(state));
            }
        }

        ReleaseState();
        foreach ((Parameter p, NamedArray[] slots) in incoming)
        {
            Tensor[] tensors = new Tensor[_slots.Length];
            for (int s = 0; s < slots.Length; s++)
            {
                tensors[s] = p.Value.Device.Pool.Rent(p.Shape, MemoryCategory.OptimizerState);
                tensors[s].CopyFrom(slots[s].Data);
            }

            _state[p] = tensors;
        }

        StepCount = state.StepCount;
        LearningRate = state.LearningRate;
    }

    /// <summary>Returns every state tensor to its pool.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ReleaseState();
        GC.SuppressFinalize(this);
    }

    /// <summary>Checks a hyperparameter: finite and ≥ 0.</summary>
    /// <param name="value">The value.</param>
    /// <param name="what">Its human name, for the message.</param>
    /// <param name="paramName">The argument name.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    protected static void CheckNonNegative(float value, string what, string paramName)
    {
        if (!(value >= 0) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}; expected a finite value >= 0.");
        }
    }

    /// <summary>Updates one parameter.</summary>
    /// <param name="value">The parameter's value.</param>
    /// <param name="gradient">Its accumulated gradient.</param>
    /// <param name="state">Its state tensors, one per slot, zero before the first step.</param>
    /// <param name="step">The step number, from 1.</param>
    protected abstract void Update(Tensor value, Tensor gradient, Tensor[] state, int step);

    /// <summary>
    /// Bytes of state the next <see cref="Step"/> will still rent for these parameters (0 once warm): what to add to
    /// <c>MemoryModel.Measure</c>'s fixed part before the first step.
    /// </summary>
    /// <param name="parameters">The parameters it will update.</param>
    /// <returns>The bytes.</returns>
    public long PendingStateBytes(IReadOnlyList<Parameter> parameters) =>
        parameters.Where(p => p.Gradient is not null && !_state.ContainsKey(p)).Sum(p => p.Value.ElementCount * sizeof(float) * _slots.Length);

    private Tensor[] StateOf(Parameter p)
    {
        if (!_state.TryGetValue(p, out Tensor[]? tensors))
        {
            tensors = new Tensor[_slots.Length];
            for (int s = 0; s < tensors.Length; s++)
            {
                tensors[s] = p.Value.Device.Pool.RentZeroed(p.Shape, MemoryCategory.OptimizerState);
            }

            _state[p] = tensors;
        }

        return tensors;
    }

    private void ReleaseState()
    {
        foreach (Tensor[] tensors in _state.Values)
        {
            foreach (Tensor t in tensors)
            {
                t.Dispose();
            }
        }

        _state.Clear();
    }
}
