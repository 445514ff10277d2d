using ILGPU;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// One block of pooled memory: a whole <see cref="MemoryChunk"/> (the caching allocator) or a slot of a step arena
/// (<see cref="StepPlan"/>). Owned by a <see cref="BufferPool"/>.
/// </summary>
internal sealed class DeviceBuffer(MemoryChunk chunk, long offset, long length, int planSlot)
{
    /// <summary>The chunk that holds the block.</summary>
    public MemoryChunk Chunk { get; } = chunk;

    /// <summary>First element inside the chunk.</summary>
    public long Offset { get; } = offset;

    /// <summary>Element count the block can hold.</summary>
    public long Length { get; } = length;

    /// <summary>The arena slot, or -1 for a block of the caching allocator.</summary>
    public int PlanSlot { get; } = planSlot;

    /// <summary>Whether a tensor currently owns this buffer.</summary>
    public bool IsRented { get; set; }

    /// <summary>The elements the current tensor asked for.</summary>
    public long RentedLength { get; set; }

    /// <summary>The step that rented it (for the lifetime record), or -1 when rented outside a step.</summary>
    public long Step { get; set; } = -1;

    /// <summary>Its index in that step's record.</summary>
    public int Record { get; set; }

    public bool IsHost => Chunk.IsHost;

    /// <summary>The first <paramref name="count"/> elements as a span (Host backend only).</summary>
    public unsafe Span<float> HostSpan(long count) => new(Chunk.HostPointer + Offset, checked((int)count));

    /// <summary>The ILGPU view (ILGPU backends only).</summary>
    public ArrayView<float> View => Chunk.View.SubView(Offset, Length);
}
