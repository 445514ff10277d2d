using System.Globalization;

namespace RevNet.ILGPU.Devices;

/// <summary>
/// The host memory this process can still take: the smaller of the kernel's <c>MemAvailable</c> and the headroom of
/// every memory cgroup from the process's own up to the mount root (limit minus usage), so a container's limit
/// counts, not only the machine's RAM. Reads cgroup v2 (<c>memory.max</c>, <c>memory.current</c>) or v1
/// (<c>memory.limit_in_bytes</c>, <c>memory.usage_in_bytes</c>).
/// </summary>
/// <remarks>
/// Usage excludes the inactive file cache (<c>inactive_file</c> / <c>total_inactive_file</c> of <c>memory.stat</c>),
/// which the kernel reclaims before it kills anything, as .NET's GC counts it. A limit of <c>max</c> (v2) or the
/// huge v1 "no limit" value is no limit. Off Linux, or where none of the files can be read, the GC's view is used.
/// </remarks>
public static class HostMemory
{
    /// <summary>v1 writes PAGE_COUNTER_MAX (close to 2^63, rounded to pages) for "no limit"; anything this large is none.</summary>
    private const long NoLimit = 1L << 60;

    /// <summary>The bytes this process can still allocate on the host.</summary>
    /// <returns>The smaller of the machine's available memory and the container's headroom; without those files, the
    /// GC's total available memory minus this process's working set.</returns>
    public static long AvailableBytes() =>
        AvailableBytes("/")
        ?? Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - Environment.WorkingSet);

    /// <summary>The bytes available according to the files under <paramref name="root"/> (a file system root).</summary>
    /// <param name="root">The folder that holds <c>proc/meminfo</c>, <c>proc/self/cgroup</c> and <c>sys/fs/cgroup</c>.</param>
    /// <returns>The smaller of <c>MemAvailable</c> and every limited cgroup's headroom; null when none is readable.</returns>
    public static long? AvailableBytes(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        long? machine = MemAvailable(Path.Combine(root, "proc", "meminfo"));
        long? container = CgroupHeadroom(root);
        return machine is long m && container is long c ? Math.Min(m, c) : machine ?? container;
    }

    private static long? MemAvailable(string meminfo)
    {
        foreach (string line in ReadLines(meminfo))
        {
            // "MemAvailable:   23224572 kB"
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib)
                    ? kib * 1024
                    : null;
            }
        }

        return null;
    }

    private static long? CgroupHeadroom(string root)
    {
        string mount = Path.Combine(root, "sys", "fs", "cgroup");
        string[] membership = ReadLines(Path.Combine(root, "proc", "self", "cgroup"));
        if (File.Exists(Path.Combine(mount, "cgroup.controllers")) || File.Exists(Path.Combine(mount, "memory.max")))
        {
            // v2: one hierarchy, the process's line is "0::/path".
            string? path = membership.FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
            return Headroom(mount, path, "memory.max", "memory.current", "inactive_file");
        }

        string v1 = Path.Combine(mount, "memory");
        if (Directory.Exists(v1))
        {
            // v1: the line "N:memory:/path" (controllers may be listed together, "N:memory,other:/path").
            string? path = membership
                .Select(l => l.Split(':', 3))
                .FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"))?[2];
            return Headroom(v1, path, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file");
        }

        return null;
    }

    /// <summary>
    /// The smallest headroom of the limited cgroups from the process's folder up to the mount root. A path that does
    /// not exist under the mount (a v1 container sees its host path) leaves the mount root, the container's own group.
    /// </summary>
    private static long? Headroom(string mount, string? path, string limitFile, string usageFile, string inactiveKey)
    {
        long? smallest = null;
        foreach (string folder in FoldersUp(mount, path))
        {
            long? limit = ReadNumber(Path.Combine(folder, limitFile));
            if (limit is not long l || l >= NoLimit)
            {
                continue;
            }

            long usage = ReadNumber(Path.Combine(folder, usageFile)) ?? 0;
            long inactive = StatValue(Path.Combine(folder, "memory.stat"), inactiveKey) ?? 0;
            long headroom = Math.Max(0, l - Math.Max(0, usage - inactive));
            smallest = smallest is long s ? Math.Min(s, headroom) : headroom;
        }

        return smallest;
    }

    private static IEnumerable<string> FoldersUp(string mount, string? path)
    {
        string relative = (path ?? string.Empty).Trim().Trim('/');
        while (relative.Length > 0)
        {
            string folder = Path.Combine(mount, relative);
            if (Directory.Exists(folder))
            {
                yield return folder;
            }

            int slash = relative.LastIndexOf('/');
            relative = slash < 0 ? string.Empty : relative[..slash];
        }

        yield return mount;
    }

    /// <summary>A file holding one number, or <c>max</c> (no limit); null when missing or unreadable.</summary>
    private static long? ReadNumber(string file)
    {
        string[] lines = ReadLines(file);
        if (lines.Length == 0)
        {
            return null;
        }

        string text = lines[0].Trim();
        return text == "max" ? long.MaxValue
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value
            : null;
    }

    /// <summary>A "key value" line of <c>memory.stat</c>.</summary>
    private static long? StatValue(string file, string key)
    {
        foreach (string line in ReadLines(file))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }

        return null;
    }

    private static string[] ReadLines(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllLines(file) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
