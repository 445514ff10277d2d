using System.Runtime.CompilerServices;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Per-thread workspace of the host GEMM and convolution: pinned, 64-byte aligned float buffers that grow on demand
/// and are then reused, so steady-state calls allocate no buffers. One instance per thread ([ThreadStatic]); the
/// slots keep the orchestrating thread's shared data (prepacked weights) apart from what the same thread uses
/// while it works as one of the Parallel.For workers.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic]
    private static GemmScratch? _current;

    private readonly float[]?[] _arrays = new float[]?[(int)GemmSlot.Count];
    private readonly nint[] _aligned = new nint[(int)GemmSlot.Count];
    private readonly long[] _capacity = new long[(int)GemmSlot.Count];

    /// <summary>The calling thread's workspace.</summary>
    public static GemmScratch Current => _current ??= new GemmScratch();

    /// <summary>
    /// A 64-byte aligned buffer of at least <paramref name="count"/> floats for <paramref name="slot"/>. Contents are
    /// unspecified (whatever the last user left). Valid until the next call with a larger count for the same slot.
    /// </summary>
    public float* Get(GemmSlot slot, long count)
    {
        int i = (int)slot;
        if (count > _capacity[i])
        {
            long grown = Math.Max(count, _capacity[i] + (_capacity[i] / 2));
            if (grown + 16 > Array.MaxLength)
            {
                throw new InsufficientMemoryException($"Host workspace of {count} floats is too large.");
            }

            // Pinned on the POH: the address never moves, so the aligned pointer stays valid with the array.
            float[] array = GC.AllocateUninitializedArray<float>((int)(grown + 16), pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref array[0]);
            _arrays[i] = array;
            _aligned[i] = (address + 63) & ~(nint)63;
            _capacity[i] = grown;
        }

        return (float*)_aligned[i];
    }
}
