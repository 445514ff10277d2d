using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// One allocation from the device: native 64-byte aligned host memory (freed on dispose, so the process's resident
/// memory really drops) or one ILGPU device buffer. Pool blocks are views into chunks.
/// </summary>
internal sealed unsafe class MemoryChunk : IDisposable
{
    /// <summary>Alignment of every block inside a chunk, in floats (64 bytes).</summary>
    public const int AlignFloats = 16;

    private float* _host;
    private readonly bool _mapped;
    private MemoryBuffer1D<float, Stride1D.Dense>? _device;

    public MemoryChunk(long length, Accelerator? accelerator)
    {
        Length = length;
        if (accelerator is null)
        {
            _host = PageMemory.TryMap(Bytes, out _mapped);
            if (_host == null)
            {
                _host = (float*)NativeMemory.AlignedAlloc((nuint)Bytes, AlignFloats * sizeof(float));
            }
        }
        else
        {
            _device = accelerator.Allocate1D<float>(length);
        }
    }

    ~MemoryChunk() => FreeHost();

    /// <summary>Element count.</summary>
    public long Length { get; }

    /// <summary>Bytes held from the device.</summary>
    public long Bytes => Length * sizeof(float);

    /// <summary>Blocks of this chunk rented now.</summary>
    public int LiveBlocks { get; set; }

    /// <summary>Whether the chunk is in host memory.</summary>
    public bool IsHost => _device is null;

    /// <summary>The host address (Host backend only).</summary>
    public float* HostPointer => _host != null ? _host : throw new InvalidOperationException("This memory lives on an ILGPU device.");

    /// <summary>The ILGPU view (ILGPU backends only).</summary>
    public ArrayView<float> View => _device?.View ?? throw new InvalidOperationException("This memory lives in host memory.");

    public void Dispose()
    {
        FreeHost();
        _device?.Dispose();
        _device = null;
        GC.SuppressFinalize(this);
    }

    private void FreeHost()
    {
        if (_host != null)
        {
            if (_mapped)
            {
                PageMemory.Unmap(_host, Bytes);
            }
            else
            {
                NativeMemory.AlignedFree(_host);
            }

            _host = null;
        }
    }
}
