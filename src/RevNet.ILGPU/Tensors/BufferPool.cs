using System.Globalization;
using System.Text;
using ILGPU.Runtime;
using RevNet.ILGPU.Devices;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// The device memory of one <see cref="ComputeDevice"/>: a planned arena for training steps, a caching allocator for
/// everything else, and counters of bytes in use (per <see cref="MemoryCategory"/>) and held from the device.
/// Single-threaded, like its device.
/// </summary>
/// <remarks>
/// <para>
/// Between <see cref="BeginStep"/> and <see cref="EndStep"/> (a <c>TrainingStep</c> calls both) the pool records every
/// rent's size and lifetime. After the first such step it plans one arena that holds every block the step rented and
/// returned, packed by offset so that blocks alive at the same time never share bytes; the following steps take their
/// blocks from the arena in the recorded order and allocate nothing. A rent the plan does not foresee (a new shape, a
/// layer that allocates differently) is served by the caching allocator, never by memory in use, and the next
/// <see cref="EndStep"/> plans again.
/// </para>
/// <para>
/// The caching allocator reuses freed blocks by size class (exact sizes for parameters, gradients and optimizer
/// state). Host memory is native and 64-byte aligned; <see cref="Trim"/> gives it back to the operating system.
/// <see cref="Rent(Shape, MemoryCategory)"/> hands back buffers that are <b>not zeroed</b>. A buffer returned twice
/// throws.
/// </para>
/// </remarks>
public sealed class BufferPool
{
    private const int CategoryCount = 5;
    private const int MatchWindow = 64;
    private const int ScratchSlot = -2;
    private readonly ComputeDevice _device;
    private readonly Dictionary<long, Stack<DeviceBuffer>> _free = [];
    private readonly Dictionary<long, Stack<DeviceBuffer>> _scratch = [];
    private readonly HashSet<MemoryChunk> _chunks = [];
    private readonly long[] _current = new long[CategoryCount];
    private readonly long[] _peak = new long[CategoryCount];
    private readonly List<StepRecord> _records = [];
    private readonly List<DeviceBuffer> _liveArena = [];
    private long? _limitBytes;
    private bool _inStep;
    private long _step;
    private long _event;
    private bool _offPlan;
    private bool _diverged;
    private StepPlan? _plan;
    private MemoryChunk? _arena;
    private DeviceBuffer[] _slots = [];
    private bool[] _used = [];
    private int _cursor;

    internal BufferPool(ComputeDevice device)
    {
        _device = device;
    }

    /// <summary>Tensors rented and not yet disposed.</summary>
    public int RentedCount { get; private set; }

    /// <summary>Bytes of all rented tensors now (the live bytes).</summary>
    public long InUseBytes { get; private set; }

    /// <summary>The high-water mark of <see cref="InUseBytes"/> since the last <see cref="ResetPeaks"/>.</summary>
    public long PeakInUseBytes { get; private set; }

    /// <summary>Bytes held from the device (reserved): the arena and every cached block, rented or free.</summary>
    public long AllocatedBytes { get; private set; }

    /// <summary>The high-water mark of <see cref="AllocatedBytes"/> since the last <see cref="ResetPeaks"/>.</summary>
    public long PeakAllocatedBytes { get; private set; }

    /// <summary>Bytes of the current step arena (0 before the first planned step).</summary>
    public long ArenaBytes => _arena?.Bytes ?? 0;

    /// <summary>Bytes held for parallel workers' scratch, outside the step plan (Host GEMM and convolution panels).</summary>
    public long WorkerScratchBytes { get; private set; }

    /// <summary>How many step plans were built (1 after a steady run of same-shaped steps).</summary>
    public int PlanCount { get; private set; }

    /// <summary>Rents of the last or current step that the plan did not foresee (0 once a run is steady).</summary>
    public int OffPlanRents { get; private set; }

    /// <summary>
    /// A cap on <see cref="AllocatedBytes"/> (null: none). An allocation past it first frees the pool's cache, then
    /// throws <see cref="DeviceOutOfMemoryException"/> as a full device would: for users who share a GPU, and for
    /// tests of out-of-memory handling.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public long? LimitBytes
    {
        get => _limitBytes;
        set
        {
            if (value is long v)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(v, nameof(value));
            }

            _limitBytes = value;
        }
    }

    /// <summary>
    /// The memory budget: <see cref="LimitBytes"/> when set, else the accelerator's memory, else (Host) what the pool
    /// holds plus the memory still available to the process (the container's cgroup limit honoured).
    /// </summary>
    public long CapacityBytes =>
        _limitBytes ?? _device.Accelerator?.MemorySize ?? (AllocatedBytes + HostMemory.AvailableBytes());

    /// <summary>How many chunks were ever allocated from the device.</summary>
    public long AllocationCount { get; private set; }

    /// <summary>Bytes rented now for one category.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The bytes.</returns>
    public long CurrentBytes(MemoryCategory category) => _current[(int)category];

    /// <summary>The high-water mark of <see cref="CurrentBytes"/> since the last <see cref="ResetPeaks"/>.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The bytes.</returns>
    public long PeakBytes(MemoryCategory category) => _peak[(int)category];

    /// <summary>Sets every peak to the current value, to measure the next phase alone.</summary>
    public void ResetPeaks()
    {
        Array.Copy(_current, _peak, CategoryCount);
        PeakInUseBytes = InUseBytes;
        PeakAllocatedBytes = AllocatedBytes;
    }

    /// <summary>
    /// Starts a training step: from here to <see cref="EndStep"/> rents come from the step arena when a plan exists, and
    /// are recorded for the next plan. A step still open is ended first.
    /// </summary>
    public void BeginStep()
    {
        if (_inStep)
        {
            EndStep();
        }

        _device.ThrowIfDisposed();
        _inStep = true;
        _step++;
        _records.Clear();
        _event = 0;
        _offPlan = false;
        _diverged = false;
        OffPlanRents = 0;
        _cursor = 0;
        Array.Clear(_used);
    }

    /// <summary>
    /// Ends a training step. When the step had no plan, or rented blocks the plan did not foresee, the recorded step
    /// becomes the new plan and its arena is allocated now, so that the next step allocates nothing.
    /// </summary>
    public void EndStep()
    {
        if (!_inStep)
        {
            return;
        }

        _inStep = false;
        if ((_plan is null || _arena is null || _offPlan) && !_device.IsDisposed)
        {
            Replan();
        }
    }

    /// <summary>Ends a step that failed (an exception): nothing is planned from its partial record.</summary>
    internal void AbandonStep() => _inStep = false;

    /// <summary>Rents a tensor of the given shape. Its contents are undefined (not zeroed).</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="category">What the memory is for (counted separately).</param>
    /// <returns>A tensor owned by the caller; dispose it to return the buffer.</returns>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    /// <exception cref="DeviceOutOfMemoryException">The device has no room even after the pool freed its cache.</exception>
    public Tensor Rent(Shape shape, MemoryCategory category) => Rent(shape, category, planned: true);

    /// <summary>
    /// Rents from the cache, outside any step plan: for scratch whose count varies from step to step (one per parallel
    /// worker that happens to join an op). Cached blocks are reused by size, so a steady run allocates nothing either.
    /// </summary>
    internal Tensor RentUnplanned(Shape shape, MemoryCategory category) => Rent(shape, category, planned: false);

    private Tensor Rent(Shape shape, MemoryCategory category, bool planned)
    {
        _device.ThrowIfDisposed();
        if (shape.Rank == 0)
        {
            throw new ArgumentException("The shape is empty (default).", nameof(shape));
        }

        long length = shape.ElementCount;
        bool recorded = _inStep && planned;
        DeviceBuffer? buffer = recorded ? TakePlanned(length) : null;
        if (!planned)
        {
            buffer = TakeScratch(length);
        }
        else if (buffer is null)
        {
            buffer = TakeCached(length, category);
            if (recorded)
            {
                OffPlanRents += _plan is null ? 0 : 1;
            }
        }

        buffer.IsRented = true;
        buffer.RentedLength = length;
        buffer.Chunk.LiveBlocks++;
        buffer.Step = recorded ? _step : -1;
        if (recorded)
        {
            buffer.Record = _records.Count;
            _records.Add(new StepRecord(length, _event++, -1));
        }

        long bytes = length * sizeof(float);
        RentedCount++;
        InUseBytes += bytes;
        PeakInUseBytes = Math.Max(PeakInUseBytes, InUseBytes);
        int c = (int)category;
        _current[c] += bytes;
        _peak[c] = Math.Max(_peak[c], _current[c]);
        return new Tensor(_device, buffer, shape, category);
    }

    /// <summary>Rents a tensor and fills it with zeros.</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="category">What the memory is for.</param>
    /// <returns>A zeroed tensor owned by the caller.</returns>
    public Tensor RentZeroed(Shape shape, MemoryCategory category)
    {
        Tensor t = Rent(shape, category);
        t.Clear();
        return t;
    }

    /// <summary>
    /// Gives back to the device every cached block not rented now, and the step arena (with its plan) when none of its
    /// blocks is rented; the next step plans again.
    /// </summary>
    public void Trim()
    {
        FreeCached(_free);
        WorkerScratchBytes -= FreeCached(_scratch);
        if (_arena is { LiveBlocks: 0 } arena)
        {
            Free(arena);
            _arena = null;
            _plan = null;
            _slots = [];
            _used = [];
        }
    }

    /// <summary>A one-line summary of the counters, for error messages and logs.</summary>
    /// <returns>The summary.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"in use {Mib(InUseBytes)} (peak {Mib(PeakInUseBytes)}), ");
        sb.Append(CultureInfo.InvariantCulture, $"held {Mib(AllocatedBytes)} (peak {Mib(PeakAllocatedBytes)}, step arena {Mib(ArenaBytes)})");
        sb.Append(_limitBytes is long limit ? ", limit " + Mib(limit) + "; " : "; ");
        for (int i = 0; i < CategoryCount; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(MemoryCategory)i} {Mib(_current[i])} (peak {Mib(_peak[i])})");
            sb.Append(i + 1 < CategoryCount ? ", " : string.Empty);
        }

        return sb.ToString();
    }

    internal void Return(DeviceBuffer buffer, MemoryCategory category)
    {
        if (!buffer.IsRented)
        {
            throw new InvalidOperationException("A buffer was returned to the pool twice.");
        }

        buffer.IsRented = false;
        long bytes = buffer.RentedLength * sizeof(float);
        RentedCount--;
        InUseBytes -= bytes;
        _current[(int)category] -= bytes;
        buffer.Chunk.LiveBlocks--;
        if (_inStep && buffer.Step == _step)
        {
            _records[buffer.Record] = _records[buffer.Record] with { End = _event++ };
            _offPlan |= buffer.PlanSlot < 0;
        }

        if (_device.IsDisposed)
        {
            return;
        }

        if (buffer.PlanSlot == ScratchSlot)
        {
            if (!_scratch.TryGetValue(buffer.Length, out Stack<DeviceBuffer>? scratch))
            {
                scratch = new Stack<DeviceBuffer>();
                _scratch[buffer.Length] = scratch;
            }

            scratch.Push(buffer);
            return;
        }

        if (buffer.PlanSlot >= 0)
        {
            if (ReferenceEquals(buffer.Chunk, _arena))
            {
                _liveArena.Remove(buffer);
            }
            else if (buffer.Chunk.LiveBlocks == 0)
            {
                Free(buffer.Chunk); // an arena replaced while this block was rented
            }

            return;
        }

        if (_inStep && buffer.Step == _step)
        {
            // Rented and returned within a step that is being recorded (or left its plan): the next plan replaces it,
            // so give it back now instead of caching it; the process then holds about what the step uses.
            Free(buffer.Chunk);
            return;
        }

        if (!_free.TryGetValue(buffer.Length, out Stack<DeviceBuffer>? stack))
        {
            stack = new Stack<DeviceBuffer>();
            _free[buffer.Length] = stack;
        }

        stack.Push(buffer);
    }

    internal void ReleaseAll()
    {
        foreach (MemoryChunk chunk in _chunks)
        {
            chunk.Dispose();
        }

        _chunks.Clear();
        _free.Clear();
        _scratch.Clear();
        WorkerScratchBytes = 0;
        _liveArena.Clear();
        _arena = null;
        _plan = null;
        AllocatedBytes = 0;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>
    /// The size class of a block of the caching allocator: exact for long-lived state, else rounded up to one of
    /// sixteen steps per power of two (at most 1/16 wasted).
    /// </summary>
    private static long SizeClass(long length, MemoryCategory category)
    {
        if (category is MemoryCategory.Parameters or MemoryCategory.Gradients or MemoryCategory.OptimizerState || length <= 64)
        {
            return length;
        }

        int shift = 63 - (int)long.LeadingZeroCount(length) - 4;
        long step = 1L << shift;
        return (length + step - 1) / step * step;
    }

    /// <summary>The next planned block of this size, when it is free of every rented arena block.</summary>
    private DeviceBuffer? TakePlanned(long length)
    {
        if (_plan is null || _arena is null || _diverged)
        {
            return null;
        }

        // Near where the last match was, forward first: a step may rent a little out of order or skip a block.
        int end = Math.Min(_plan.Count, _cursor + MatchWindow), begin = Math.Max(0, _cursor - MatchWindow);
        for (int k = 0; k < end - begin; k++)
        {
            int i = _cursor + k < end ? _cursor + k : _cursor - 1 - (k - (end - _cursor));
            if (_used[i] || _plan.Lengths[i] != length || Overlaps(i))
            {
                continue;
            }

            _used[i] = true;
            _cursor = Math.Max(_cursor, i + 1);
            _liveArena.Add(_slots[i]);
            return _slots[i];
        }

        // Not the recorded step (another shape or order): the rest of it runs on the cache, and is planned at its end.
        _diverged = true;
        return null;
    }

    private bool Overlaps(int slot)
    {
        long start = _plan!.Offsets[slot], end = start + StepPlan.Align(_plan.Lengths[slot]);
        foreach (DeviceBuffer b in _liveArena)
        {
            if (b.Offset < end && start < b.Offset + StepPlan.Align(b.Length))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A block for parallel workers' scratch: power-of-two size classes, and the first time a class is asked for, one
    /// block per hardware thread at once, so that however many workers join later ops of that size, none allocates.
    /// </summary>
    private DeviceBuffer TakeScratch(long length)
    {
        long size = Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)length));
        if (_scratch.TryGetValue(size, out Stack<DeviceBuffer>? stack) && stack.Count > 0)
        {
            return stack.Pop();
        }

        var block = new DeviceBuffer(Allocate(size), 0, size, ScratchSlot);
        WorkerScratchBytes += block.Chunk.Bytes;
        if (stack is null)
        {
            stack = new Stack<DeviceBuffer>();
            _scratch[size] = stack;
            try
            {
                for (int i = 1; i < Environment.ProcessorCount; i++)
                {
                    stack.Push(new DeviceBuffer(Allocate(size), 0, size, ScratchSlot));
                    WorkerScratchBytes += size * sizeof(float);
                }
            }
            catch (DeviceOutOfMemoryException)
            {
                // Near the limit the spares are optional: a later worker allocates its own.
            }
        }

        return block;
    }

    /// <summary>
    /// The smallest cached block of at least the size class and at most twice it, else a new one.
    /// </summary>
    private DeviceBuffer TakeCached(long length, MemoryCategory category)
    {
        long size = SizeClass(length, category);
        long best = -1, limit = 2 * size;
        foreach ((long key, Stack<DeviceBuffer> candidates) in _free)
        {
            if (candidates.Count > 0 && key >= size && key <= limit && (best < 0 || key < best))
            {
                best = key;
            }
        }

        if (best >= 0)
        {
            return _free[best].Pop();
        }

        try
        {
            return new DeviceBuffer(Allocate(size), 0, size, -1);
        }
        catch (DeviceOutOfMemoryException) when (size != length)
        {
            // Near the limit, the size class's slack must not be what fails: try the exact size.
            return new DeviceBuffer(Allocate(length), 0, length, -1);
        }
    }

    /// <summary>Plans the recorded step and allocates its arena; frees the cached blocks the step used instead.</summary>
    private void Replan()
    {
        StepPlan? plan = StepPlan.Build(_records);
        if (plan is null)
        {
            return;
        }

        // The arena replaces what the recorded step took from the cache; blocks cached before it (a failed step's
        // leftovers, an evaluation's batches) are dropped too, so that a planned step holds only what it uses.
        FreeCached(_free);
        if (_arena is { } old)
        {
            _arena = null;
            _liveArena.Clear();
            if (old.LiveBlocks == 0)
            {
                Free(old);
            }
        }

        MemoryChunk arena;
        try
        {
            arena = Allocate(Math.Max(plan.ArenaLength, MemoryChunk.AlignFloats));
        }
        catch (DeviceOutOfMemoryException)
        {
            _plan = null;
            _slots = [];
            _used = [];
            return;
        }

        _arena = arena;
        _plan = plan;
        _slots = new DeviceBuffer[plan.Count];
        for (int i = 0; i < plan.Count; i++)
        {
            _slots[i] = new DeviceBuffer(arena, plan.Offsets[i], plan.Lengths[i], i);
        }

        _used = new bool[plan.Count];
        PlanCount++;
    }

    private MemoryChunk Allocate(long length)
    {
        MemoryChunk chunk;
        try
        {
            chunk = TryAllocate(length);
        }
        catch (Exception ex) when (IsOutOfMemory(ex))
        {
            Trim();
            try
            {
                chunk = TryAllocate(length);
            }
            catch (Exception ex2) when (IsOutOfMemory(ex2))
            {
                throw new DeviceOutOfMemoryException(
                    $"Out of memory on {_device}: asked for {Mib(length * sizeof(float))} ({length * sizeof(float)} bytes); "
                    + $"pool: {Describe()}. Reduce the batch size or use ActivationMode.Reconstruct.",
                    ex2)
                {
                    RequestedBytes = length * sizeof(float),
                    InUseBytes = InUseBytes,
                    CapacityBytes = CapacityBytes,
                };
            }
        }

        _chunks.Add(chunk);
        AllocatedBytes += chunk.Bytes;
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, AllocatedBytes);
        AllocationCount++;
        return chunk;
    }

    /// <summary>Gives every block of a cache back to the device and empties it; returns the bytes freed.</summary>
    private long FreeCached(Dictionary<long, Stack<DeviceBuffer>> cache)
    {
        long bytes = 0;
        foreach (Stack<DeviceBuffer> stack in cache.Values)
        {
            while (stack.Count > 0)
            {
                MemoryChunk chunk = stack.Pop().Chunk;
                bytes += chunk.Bytes;
                Free(chunk);
            }
        }

        cache.Clear();
        return bytes;
    }

    private void Free(MemoryChunk chunk)
    {
        if (_chunks.Remove(chunk))
        {
            AllocatedBytes -= chunk.Bytes;
            chunk.Dispose();
        }
    }

    private MemoryChunk TryAllocate(long length)
    {
        if (_limitBytes is long limit && AllocatedBytes + (length * sizeof(float)) > limit)
        {
            throw new OutOfMemoryException($"The pool's limit of {limit} bytes would be exceeded.");
        }

        if (_device.Accelerator is null && length > Array.MaxLength)
        {
            throw new OutOfMemoryException($"{length} floats exceed the largest span.");
        }

        return new MemoryChunk(length, _device.Accelerator);
    }

    private static bool IsOutOfMemory(Exception ex) =>
        ex is OutOfMemoryException
        || (ex is AcceleratorException && ex.Message.Contains("memory", StringComparison.OrdinalIgnoreCase));
}
