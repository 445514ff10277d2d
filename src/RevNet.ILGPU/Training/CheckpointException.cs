namespace RevNet.ILGPU.Training;

/// <summary>
/// A checkpoint cannot be used: the file is not a checkpoint, has an unsupported version, is truncated or corrupt
/// (checksum mismatch), or belongs to another architecture, another optimizer or another data loader.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem in a file.</summary>
    /// <param name="filePath">The checkpoint file (or stream name).</param>
    /// <param name="offset">The byte offset of the problem, or -1 when it is not about one place in the file.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CheckpointException(string filePath, long offset, string problem, Exception? innerException = null)
        : base($"Checkpoint {filePath}: {problem}{(offset >= 0 ? $" (at byte {offset})" : string.Empty)}.", innerException)
    {
        FilePath = filePath;
        Offset = offset;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; } = string.Empty;

    /// <summary>The byte offset of the problem, or -1.</summary>
    public long Offset { get; } = -1;
}
