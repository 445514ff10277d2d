using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// What flows between the layers of a <see cref="Sequential"/>: one tensor, or two channel halves for a run of
/// couplings; <see cref="Owned"/> is false only for the caller's input (never disposed by the graph).
/// </summary>
internal readonly record struct LayerValue(Tensor? A, Tensor? B, bool Owned)
{
    /// <summary>Whether nothing is held.</summary>
    public bool IsEmpty => A is null;

    /// <summary>Whether this is a pair of channel halves.</summary>
    public bool IsPair => B is not null;

    /// <summary>One tensor.</summary>
    public static LayerValue Single(Tensor t, bool owned) => new(t, null, owned);

    /// <summary>Two owned halves.</summary>
    public static LayerValue Pair(Tensor a, Tensor b) => new(a, b, true);

    /// <summary>The value in the wanted form: itself, or a new owned split or concatenation.</summary>
    public LayerValue As(bool pair, MemoryCategory category)
    {
        if (pair == IsPair)
        {
            return this;
        }

        if (pair)
        {
            (Tensor a, Tensor b) = LayerKit.Split(A!, category);
            return Pair(a, b);
        }

#pragma warning disable CA2000 // Ownership moves into the returned value; the graph releases it.
        return Single(LayerKit.Concat(A!, B!, category), owned: true);
#pragma warning restore CA2000
    }

    /// <summary>Disposes the tensors if owned.</summary>
    public void Release()
    {
        if (Owned)
        {
            A?.Dispose();
            B?.Dispose();
        }
    }

    /// <summary>Copies the values to host memory (halves one after the other).</summary>
    public float[] ToHost()
    {
        if (!IsPair)
        {
            return A!.ToArray();
        }

        float[] all = new float[A!.ElementCount + B!.ElementCount];
        A.CopyTo(all);
        B.CopyTo(all.AsSpan((int)A.ElementCount));
        return all;
    }
}
