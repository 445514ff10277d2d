using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers.Graph;

/// <summary>
/// The value between two steps of a graph, in up to two forms: one tensor, and/or its two channel halves (the form a
/// run of couplings exchanges). The graph owns every form it made; the caller's input is only borrowed.
/// </summary>
internal sealed class Boundary
{
    private bool _singleOwned;

    public Tensor? Single { get; private set; }

    public Tensor? A { get; private set; }

    public Tensor? B { get; private set; }

    public bool Has(bool pair) => pair ? A is not null : Single is not null;

    public bool IsEmpty => Single is null && A is null;

    /// <summary>Sets the single form (replacing nothing: the form must be empty).</summary>
    public void SetSingle(Tensor t, bool owned)
    {
        if (Single is not null)
        {
            if (owned)
            {
                t.Dispose(); // an equal value is held already (a layer keeps references to it)
            }

            return;
        }

        Single = t;
        _singleOwned = owned;
    }

    /// <summary>Sets the pair form (the form must be empty, else the new halves are dropped).</summary>
    public void SetPair(Tensor a, Tensor b)
    {
        if (A is not null)
        {
            a.Dispose();
            b.Dispose();
            return;
        }

        (A, B) = (a, b);
    }

    /// <summary>The value in the wanted form, converting (split or concat) into a new owned form when needed.</summary>
    /// <returns>Whether a conversion happened.</returns>
    public bool Ensure(bool pair, MemoryCategory category)
    {
        if (Has(pair))
        {
            return false;
        }

        if (pair)
        {
            (Tensor a, Tensor b) = LayerKit.Split(Single!, category);
            (A, B) = (a, b);
        }
        else
        {
            Single = LayerKit.Concat(A!, B!, category);
            _singleOwned = true;
        }

        return true;
    }

    /// <summary>Takes the single form away from the boundary (ownership moves to the caller).</summary>
    public Tensor TakeSingle()
    {
        Tensor t = Single!;
        Single = null;
        return t;
    }

    /// <summary>Forgets the pair form without disposing it (a layer consumed it).</summary>
    public void ForgetPair() => (A, B) = (null, null);

    /// <summary>Disposes one form if owned.</summary>
    public void Release(bool pair)
    {
        if (pair)
        {
            A?.Dispose();
            B?.Dispose();
            (A, B) = (null, null);
        }
        else
        {
            if (_singleOwned)
            {
                Single?.Dispose();
            }

            Single = null;
        }
    }

    /// <summary>Disposes every owned form.</summary>
    public void Release()
    {
        Release(pair: false);
        Release(pair: true);
    }

    /// <summary>A read-only view for observers.</summary>
    public ActivationView View(bool pair) => pair ? new ActivationView(null, A, B) : new ActivationView(Single, null, null);
}
