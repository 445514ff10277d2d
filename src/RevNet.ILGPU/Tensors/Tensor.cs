using ILGPU;
using ILGPU.Runtime;
using RevNet.ILGPU.Devices;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// A dense float32 tensor (row-major, NCHW) that owns one pooled buffer on one <see cref="ComputeDevice"/>.
/// Disposing it returns the buffer to the pool. Returned tensors belong to the caller; arguments are borrowed.
/// </summary>
public sealed class Tensor : IDisposable
{
    private DeviceBuffer? _buffer;

    internal Tensor(ComputeDevice device, DeviceBuffer buffer, Shape shape, MemoryCategory category)
    {
        Device = device;
        _buffer = buffer;
        Shape = shape;
        Category = category;
    }

    /// <summary>The device that holds the data.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; private set; }

    /// <summary>What the memory is counted as in the pool.</summary>
    public MemoryCategory Category { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount => Shape.ElementCount;

    /// <summary>Whether the tensor was disposed.</summary>
    public bool IsDisposed => _buffer is null;

    /// <summary>The data as a span (Host backend only). Valid until the tensor is disposed.</summary>
    internal Span<float> Span => Buffer.HostSpan(ElementCount);

    /// <summary>The data as an ILGPU view (ILGPU backends only). Valid until the tensor is disposed.</summary>
    internal ArrayView<float> View => Buffer.View.SubView(0, ElementCount);

    private DeviceBuffer Buffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            ThrowIfDeviceDisposed();
            return _buffer;
        }
    }

    /// <summary>Copies host data into the tensor.</summary>
    /// <param name="source">Exactly <see cref="ElementCount"/> values.</param>
    /// <exception cref="ArgumentException">The length differs from the element count.</exception>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != ElementCount)
        {
            throw new ArgumentException(
                $"Expected {ElementCount} values for shape {Shape}, got {source.Length}.", nameof(source));
        }

        DeviceBuffer b = Buffer;
        if (b.IsHost)
        {
            source.CopyTo(Span);
        }
        else
        {
            View.CopyFromCPU(source);
        }
    }

    /// <summary>Copies the tensor into host memory (waits for queued work).</summary>
    /// <param name="destination">At least <see cref="ElementCount"/> values.</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < ElementCount)
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} values; shape {Shape} needs {ElementCount}.", nameof(destination));
        }

        DeviceBuffer b = Buffer;
        if (b.IsHost)
        {
            Span.CopyTo(destination);
        }
        else
        {
            Device.Synchronize();
            View.CopyToCPU(destination[..(int)ElementCount]);
        }
    }

    /// <summary>Copies the tensor into a new array.</summary>
    /// <returns>The values, row-major.</returns>
    public float[] ToArray()
    {
        float[] result = new float[ElementCount];
        CopyTo(result);
        return result;
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Device.Ops.Fill(this, 0f);

    /// <summary>
    /// Changes the shape without touching the data; the element count must stay the same
    /// (e.g. [N, C, 1, 1] to [N, C]).
    /// </summary>
    /// <param name="shape">The new shape.</param>
    /// <exception cref="ArgumentException">The element count differs.</exception>
    public void Reshape(Shape shape)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        ThrowIfDeviceDisposed();
        if (shape.ElementCount != ElementCount)
        {
            throw new ArgumentException($"Cannot reshape {Shape} to {shape}: element counts differ.", nameof(shape));
        }

        Shape = shape;
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor{Shape} on {Device.Kind} ({Category})";

    private void ThrowIfDeviceDisposed()
    {
        if (Device.IsDisposed)
        {
            throw new ObjectDisposedException(
                ToString(),
                $"This tensor ({Shape}, {Category}) belongs to the device {Device}, which was disposed: its memory is "
                + "gone. Tensors die with their device; dispose them (and the models holding them) before the device.");
        }
    }

    /// <summary>Returns the buffer to the pool. Disposing twice does nothing.</summary>
    public void Dispose()
    {
        DeviceBuffer? b = _buffer;
        if (b is null)
        {
            return;
        }

        _buffer = null;
        Device.Pool.Return(b, Category);
    }
}
