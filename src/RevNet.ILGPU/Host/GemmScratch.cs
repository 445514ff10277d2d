using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Per-thread workspace of the host GEMM and convolution: 64-byte aligned float buffers, one per
/// <see cref="GemmSlot"/>, that grow on demand. The slots keep the orchestrating thread's shared data (prepacked
/// weights) apart from what the same thread uses while it works as one of the Parallel.For workers.
/// </summary>
/// <remarks>
/// Inside a <see cref="Lease(BufferPool)"/> (every Host op that runs a GEMM or a convolution opens one) the buffers
/// are rented from the device's <see cref="BufferPool"/> as <see cref="MemoryCategory.Workspace"/>, by the calling
/// thread and by the workers alike (the lease flows to them with the execution context), and all go back to the pool
/// when the lease ends, so the pool counts them and reuses them next step. Outside a lease (direct calls from tests)
/// the buffers are private pinned arrays kept per thread.
/// </remarks>
internal sealed unsafe class GemmScratch
{
    private static readonly AsyncLocal<PoolLease?> CurrentLease = new();

    [ThreadStatic]
    private static GemmScratch? _current;

    private readonly float[]?[] _arrays = new float[]?[(int)GemmSlot.Count];
    private readonly nint[] _aligned = new nint[(int)GemmSlot.Count];
    private readonly long[] _capacity = new long[(int)GemmSlot.Count];
    private PoolLease? _lease;

    /// <summary>The calling thread's workspace, bound to the lease in force (if any).</summary>
    public static GemmScratch Current
    {
        get
        {
            GemmScratch scratch = _current ??= new GemmScratch();
            PoolLease? lease = CurrentLease.Value;
            if (!ReferenceEquals(scratch._lease, lease))
            {
                // Buffers of another lease went back to its pool when it ended: forget them.
                Array.Clear(scratch._arrays);
                Array.Clear(scratch._capacity);
                scratch._lease = lease;
            }

            return scratch;
        }
    }

    /// <summary>
    /// Until the returned lease is disposed, scratch on this thread and on the workers it starts is rented from
    /// <paramref name="pool"/>; disposing returns every buffer to the pool. Dispose it on the thread that opened it,
    /// after the parallel work has finished.
    /// </summary>
    public static IDisposable Lease(BufferPool pool)
    {
        var lease = new PoolLease(pool, CurrentLease.Value);
        CurrentLease.Value = lease;
        return lease;
    }

    /// <summary>
    /// A 64-byte aligned buffer of at least <paramref name="count"/> floats for <paramref name="slot"/>. Contents are
    /// unspecified (whatever the last user left). Valid until the next call with a larger count for the same slot,
    /// or the end of the lease.
    /// </summary>
    public float* Get(GemmSlot slot, long count)
    {
        int i = (int)slot;
        if (count > _capacity[i])
        {
            long grown = _lease is null ? Math.Max(count, _capacity[i] + (_capacity[i] / 2)) : count;
            if (grown + 16 > Array.MaxLength)
            {
                throw new InsufficientMemoryException($"Host workspace of {count} floats is too large.");
            }

            // Pinned (on the POH, as pool buffers are): the address never moves, so the aligned pointer stays valid.
            nint address;
            if (_lease is null)
            {
                float[] array = GC.AllocateUninitializedArray<float>((int)(grown + 16), pinned: true);
                _arrays[i] = array;
                address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            }
            else
            {
                address = _lease.Rent(grown + 16, planned: slot >= GemmSlot.SharedA);
            }

            _aligned[i] = (address + 63) & ~(nint)63;
            _capacity[i] = grown;
        }

        return (float*)_aligned[i];
    }

    /// <summary>The buffers rented from one pool during one op.</summary>
    private sealed class PoolLease(BufferPool pool, PoolLease? outer) : IDisposable
    {
        private readonly List<Tensor> _rented = [];

        /// <summary>
        /// Rents a host buffer (safe from any worker thread) and returns its address. Worker slots are not planned:
        /// how many workers join an op varies from step to step.
        /// </summary>
        public nint Rent(long length, bool planned)
        {
            lock (_rented)
            {
                var shape = new Shape((int)length);
                Tensor t = planned ? pool.Rent(shape, MemoryCategory.Workspace) : pool.RentUnplanned(shape, MemoryCategory.Workspace);
                _rented.Add(t);
                return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.Span));
            }
        }

        public void Dispose()
        {
            CurrentLease.Value = outer;
            foreach (Tensor t in _rented)
            {
                t.Dispose();
            }

            _rented.Clear();
        }
    }
}
