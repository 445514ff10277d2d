namespace RevNet.Cli;

/// <summary>A user error found by the app itself (bad combination of options, missing folder, ...): one line, no stack.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CliException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code to return.</summary>
    public int ExitCode { get; } = ExitCodes.Failure;
}
