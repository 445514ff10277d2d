using System.Globalization;
using System.Text;
using ILGPU.Runtime;
using RevNet.ILGPU.Devices;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// Reuses device buffers by exact element count (shapes repeat every training step) and counts bytes: current and
/// peak per <see cref="MemoryCategory"/>, in use overall, and held from the device. Single-threaded, like its device.
/// </summary>
/// <remarks>
/// <see cref="Rent(Shape, MemoryCategory)"/> hands back buffers that are <b>not zeroed</b>. A buffer returned twice
/// throws. After one warm-up step, a training step that rents the same shapes causes no new allocation:
/// <see cref="AllocationCount"/> stays put.
/// </remarks>
public sealed class BufferPool
{
    private const int CategoryCount = 5;
    private readonly ComputeDevice _device;
    private readonly Dictionary<long, Stack<DeviceBuffer>> _free = [];
    private readonly HashSet<DeviceBuffer> _all = [];
    private readonly long[] _current = new long[CategoryCount];
    private readonly long[] _peak = new long[CategoryCount];
    private long? _limitBytes;

    internal BufferPool(ComputeDevice device)
    {
        _device = device;
    }

    /// <summary>Tensors rented and not yet disposed.</summary>
    public int RentedCount { get; private set; }

    /// <summary>Bytes of all rented tensors now.</summary>
    public long InUseBytes { get; private set; }

    /// <summary>The high-water mark of <see cref="InUseBytes"/> since the last <see cref="ResetPeaks"/>.</summary>
    public long PeakInUseBytes { get; private set; }

    /// <summary>Bytes held from the device, rented or free.</summary>
    public long AllocatedBytes { get; private set; }

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
    /// The memory budget: <see cref="LimitBytes"/> when set, else the accelerator's memory, else (Host) the memory
    /// available to the process.
    /// </summary>
    public long CapacityBytes =>
        _limitBytes ?? _device.Accelerator?.MemorySize ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>How many buffers were ever allocated from the device.</summary>
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
    }

    /// <summary>Rents a tensor of the given shape. Its contents are undefined (not zeroed).</summary>
    /// <param name="shape">The shape.</param>
    /// <param name="category">What the memory is for (counted separately).</param>
    /// <returns>A tensor owned by the caller; dispose it to return the buffer.</returns>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    /// <exception cref="DeviceOutOfMemoryException">The device has no room even after the pool freed its cache.</exception>
    public Tensor Rent(Shape shape, MemoryCategory category)
    {
        _device.ThrowIfDisposed();
        if (shape.Rank == 0)
        {
            throw new ArgumentException("The shape is empty (default).", nameof(shape));
        }

        long length = shape.ElementCount;
        DeviceBuffer buffer = _free.TryGetValue(length, out Stack<DeviceBuffer>? stack) && stack.Count > 0
            ? stack.Pop()
            : Allocate(length);
        buffer.IsRented = true;
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

    /// <summary>Frees every buffer not rented now (gives the memory back to the device).</summary>
    public void Trim()
    {
        foreach (Stack<DeviceBuffer> stack in _free.Values)
        {
            while (stack.Count > 0)
            {
                DeviceBuffer b = stack.Pop();
                _all.Remove(b);
                AllocatedBytes -= b.Length * sizeof(float);
                b.Dispose();
            }
        }

        _free.Clear();
    }

    /// <summary>A one-line summary of the counters, for error messages and logs.</summary>
    /// <returns>The summary.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"in use {Mib(InUseBytes)} (peak {Mib(PeakInUseBytes)}), held {Mib(AllocatedBytes)}");
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
        long bytes = buffer.Length * sizeof(float);
        RentedCount--;
        InUseBytes -= bytes;
        _current[(int)category] -= bytes;
        if (_device.IsDisposed)
        {
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
        foreach (DeviceBuffer b in _all)
        {
            b.Dispose();
        }

        _all.Clear();
        _free.Clear();
        AllocatedBytes = 0;
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    private DeviceBuffer Allocate(long length)
    {
        DeviceBuffer buffer;
        try
        {
            buffer = TryAllocate(length);
        }
        catch (Exception ex) when (IsOutOfMemory(ex))
        {
            Trim();
            try
            {
                buffer = TryAllocate(length);
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

        _all.Add(buffer);
        AllocatedBytes += length * sizeof(float);
        AllocationCount++;
        return buffer;
    }

    private DeviceBuffer TryAllocate(long length)
    {
        if (_limitBytes is long limit && AllocatedBytes + (length * sizeof(float)) > limit)
        {
            throw new OutOfMemoryException($"The pool's limit of {limit} bytes would be exceeded.");
        }

        if (_device.Accelerator is null && length > Array.MaxLength)
        {
            throw new OutOfMemoryException($"{length} floats exceed the largest managed array.");
        }

        return new DeviceBuffer(length, _device.Accelerator);
    }

    private static bool IsOutOfMemory(Exception ex) =>
        ex is OutOfMemoryException
        || (ex is AcceleratorException && ex.Message.Contains("memory", StringComparison.OrdinalIgnoreCase));
}
