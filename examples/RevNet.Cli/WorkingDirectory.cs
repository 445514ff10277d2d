namespace RevNet.Cli;

/// <summary>
/// The app needs a working directory that exists: relative paths (the default data folder, <c>runs/</c>) are resolved
/// against it, and ILGPU reads it whenever it creates a context (even to probe for GPUs). Where it has been deleted,
/// ILGPU's context constructor throws halfway and the half-built context's finalizer then crashes the process
/// (exit 134, a stack trace), so the app checks it once, before any command runs.
/// </summary>
internal static class WorkingDirectory
{
    /// <summary>Throws a one-line error when the working directory is gone or cannot be read.</summary>
    /// <exception cref="CliException">The working directory was deleted or is unreadable.</exception>
    public static void EnsureExists()
    {
        try
        {
            _ = Environment.CurrentDirectory;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(
                "the current working directory no longer exists (it was deleted or moved) or cannot be read; "
                + "cd to an existing folder and run again.",
                ex);
        }
    }
}
