namespace RevNet.ILGPU.Data;

/// <summary>
/// A data file is corrupt, truncated, has a wrong magic number, declares an impossible size, or does not match its
/// companion file. The message names the file and the byte offset where the problem was found.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem at a byte offset of a file.</summary>
    /// <param name="filePath">The file (or stream name).</param>
    /// <param name="offset">The byte offset of the problem; for gzip files, in the decompressed stream.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="decompressed">Whether the offset counts decompressed bytes of a gzip file.</param>
    /// <param name="innerException">The cause, if any.</param>
    public DataFormatException(string filePath, long offset, string problem, bool decompressed = false, Exception? innerException = null)
        : base(Format(filePath, offset, problem, decompressed), innerException)
    {
        FilePath = filePath;
        Offset = offset;
        Problem = problem;
        IsDecompressedOffset = decompressed;
    }

    /// <summary>The file (or stream name) that is bad.</summary>
    public string FilePath { get; } = string.Empty;

    /// <summary>The byte offset where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>Whether <see cref="Offset"/> counts bytes of the decompressed stream of a gzip file.</summary>
    public bool IsDecompressedOffset { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Problem { get; } = string.Empty;

    private static string Format(string filePath, long offset, string problem, bool decompressed) =>
        $"{filePath}: {problem} (at byte {offset}{(decompressed ? " of the decompressed data" : string.Empty)}).";
}
