namespace RevNet.ILGPU.Training;

/// <summary>
/// Writes files atomically: a temporary file in the same folder, flushed to disk, then renamed over the target, so a
/// crash or a full disk leaves either the old file or the new one, never a truncated file under the target's name.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes a file atomically through a stream.</summary>
    /// <param name="path">The target; its folder is created if needed.</param>
    /// <param name="write">Writes the contents.</param>
    /// <exception cref="IOException">The file cannot be written; the previous file, if any, is untouched.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, Path.GetFileName(full));
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes bytes to a file atomically.</summary>
    /// <param name="path">The target; its folder is created if needed.</param>
    /// <param name="bytes">The contents.</param>
    /// <exception cref="IOException">The file cannot be written; the previous file, if any, is untouched.</exception>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, file => file.Write(bytes));
    }

    /// <summary>
    /// Deletes temporary files of earlier writes to the same target whose process is gone (killed mid-write), so they
    /// do not pile up beside the file. Temporaries of live processes are left alone.
    /// </summary>
    private static void RemoveStaleTemporaries(string dir, string name)
    {
        string prefix = "." + name + ".";
        foreach (string temp in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
        {
            string[] parts = Path.GetFileName(temp)[prefix.Length..].Split('.');
            if (parts.Length == 3 && int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(temp);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
