namespace RevNet.ILGPU.Tensors;

/// <summary>Thrown when the device cannot allocate a buffer even after the pool released its free buffers.</summary>
public sealed class DeviceOutOfMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeviceOutOfMemoryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeviceOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the allocator's error.</summary>
    public DeviceOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The bytes that were asked for.</summary>
    public long RequestedBytes { get; init; }

    /// <summary>The bytes in use on the device when the allocation failed.</summary>
    public long InUseBytes { get; init; }

    /// <summary>The pool's memory budget (<see cref="BufferPool.CapacityBytes"/>) when the allocation failed.</summary>
    public long CapacityBytes { get; init; }

    /// <summary>The batch size that failed, when a trainer knew it (null otherwise).</summary>
    public int? Batch { get; init; }

    /// <summary>
    /// The largest batch size that fits the budget according to the memory model (0: not even one sample), filled in
    /// by the trainer that caught the error; null when unknown.
    /// </summary>
    public int? SuggestedMaxBatch { get; init; }
}
