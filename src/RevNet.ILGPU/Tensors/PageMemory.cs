using System.Runtime.InteropServices;

namespace RevNet.ILGPU.Tensors;

/// <summary>
/// Large host chunks straight from the kernel (Linux <c>mmap</c>/<c>munmap</c>): freeing one gives its pages back to
/// the operating system at once, so the process's resident size follows the pool, while the C heap would keep freed
/// blocks below its (growing) mapping threshold. Elsewhere, or below 1 MiB, the caller uses the C heap.
/// </summary>
internal static unsafe partial class PageMemory
{
    private const long MinBytes = 1 << 20;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    /// <summary>Maps <paramref name="bytes"/> of zeroed, page-aligned memory, or returns null (then use the heap).</summary>
    public static float* TryMap(long bytes, out bool mapped)
    {
        mapped = false;
        if (bytes < MinBytes || !OperatingSystem.IsLinux())
        {
            return null;
        }

        nint address = Map(0, (nuint)bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if (address == -1)
        {
            throw new OutOfMemoryException($"mmap of {bytes} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        mapped = true;
        return (float*)address;
    }

    /// <summary>Unmaps memory from <see cref="TryMap"/>.</summary>
    public static void Unmap(float* address, long bytes) => _ = Unmap((nint)address, (nuint)bytes);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Map(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(nint address, nuint length);
}
