using ILGPU;
using ILGPU.Runtime;

namespace RevNet.ILGPU.Tensors;

/// <summary>One allocation of device memory, owned by a <see cref="BufferPool"/>.</summary>
internal sealed class DeviceBuffer : IDisposable
{
    private readonly float[]? _host;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _device;

    public DeviceBuffer(long length, Accelerator? accelerator)
    {
        Length = length;
        if (accelerator is null)
        {
            _host = GC.AllocateUninitializedArray<float>(checked((int)length), pinned: true);
        }
        else
        {
            _device = accelerator.Allocate1D<float>(length);
        }
    }

    /// <summary>Element count.</summary>
    public long Length { get; }

    /// <summary>Whether a tensor currently owns this buffer.</summary>
    public bool IsRented { get; set; }

    /// <summary>The managed array (Host backend only).</summary>
    public float[] HostArray => _host ?? throw new InvalidOperationException("This buffer lives on an ILGPU device.");

    /// <summary>The ILGPU view (ILGPU backends only).</summary>
    public ArrayView<float> View =>
        _device?.View ?? throw new InvalidOperationException("This buffer lives in host memory.");

    public bool IsHost => _host is not null;

    public void Dispose() => _device?.Dispose();
}
