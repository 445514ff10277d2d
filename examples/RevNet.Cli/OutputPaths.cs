namespace RevNet.Cli;

/// <summary>
/// Checks every output path of a command before any work starts, so that a bad path costs seconds, not a training
/// run: not empty, not a folder where a file is wanted, no two outputs naming the same file, and the folder creatable
/// and writable (a probe file is created and deleted).
/// </summary>
internal static class OutputPaths
{
    /// <summary>Probes the outputs; null paths are skipped.</summary>
    /// <param name="outputs">(flag for the message, path, whether the path is a folder).</param>
    /// <exception cref="CliException">A path cannot be used; the message names the flag and the fix.</exception>
    public static void Probe(params (string Flag, string? Path, bool IsFolder)[] outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string flag, string? path, bool isFolder) in outputs)
        {
            if (path is null)
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                throw new CliException($"{flag}: the path is empty; give a file or folder name.");
            }

            string full = Path.GetFullPath(path);
            if (!isFolder && !seen.TryAdd(full, flag))
            {
                throw new CliException($"{flag} and {seen[full]} both name '{path}'; give each output its own file.");
            }

            if (!isFolder && Directory.Exists(full))
            {
                throw new CliException($"{flag} '{path}' is a folder; give a file name.");
            }

            if (isFolder && File.Exists(full))
            {
                throw new CliException($"{flag} '{path}' is a file; give a folder name.");
            }

            string folder = isFolder ? full : Path.GetDirectoryName(full) ?? ".";
            string probe = Path.Combine(folder, $".revnet-probe-{Environment.ProcessId}.tmp");
            try
            {
                Directory.CreateDirectory(folder);
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"{flag}: cannot write to the folder '{folder}' ({ex.Message}); choose a writable location.", ex);
            }
        }
    }
}
