namespace RevNet.ILGPU.Distributed;

/// <summary>A collective operation failed or was used wrongly (a disposed communicator, mismatched sizes).</summary>
public sealed class CommunicatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CommunicatorException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public CommunicatorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The cause.</param>
    public CommunicatorException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
