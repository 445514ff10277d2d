namespace RevNet.Cli;

/// <summary>The app's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>A user error at run time: missing or corrupt file, wrong checkpoint, unavailable device, out of memory.</summary>
    public const int Failure = 1;

    /// <summary>A bad command line: unknown command or option, or an invalid option value.</summary>
    public const int Usage = 2;

    /// <summary>An unexpected failure (a bug): the message says so, and <c>--verbose</c> prints the stack.</summary>
    public const int Internal = 70;

    /// <summary>Stopped by Ctrl+C.</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + 15), after saving what was asked for.</summary>
    public const int Terminated = 143;
}
