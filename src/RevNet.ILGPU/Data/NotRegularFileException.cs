namespace RevNet.ILGPU.Data;

/// <summary>
/// A path that should name a file to read names a folder, a FIFO (named pipe), a device or a socket instead. Opening
/// such a path could block forever (a FIFO waits for a writer) or read endless data (a device), so it is refused
/// before it is opened. The message names the path and what it is.
/// </summary>
public sealed class NotRegularFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    public NotRegularFileException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public NotRegularFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NotRegularFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a path and what it turned out to be.</summary>
    /// <param name="filePath">The path.</param>
    /// <param name="kind">What the path is, in words: <c>a folder</c>, <c>a FIFO (named pipe)</c>, ...</param>
    public NotRegularFileException(string filePath, string kind)
        : base($"{filePath} is {kind}, not a regular file; give the path of a regular file.")
    {
        FilePath = filePath;
        Kind = kind;
    }

    /// <summary>The path.</summary>
    public string FilePath { get; } = string.Empty;

    /// <summary>What the path is, in words.</summary>
    public string Kind { get; } = string.Empty;
}
