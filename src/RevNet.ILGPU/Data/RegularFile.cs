using System.Runtime.InteropServices;
using System.Text;

namespace RevNet.ILGPU.Data;

/// <summary>
/// Opens files for reading only when they are regular files. Every reader of the library (data files, manifests,
/// checkpoints) opens through here, so a FIFO, a folder or a device where a file is expected is a
/// <see cref="NotRegularFileException"/> at once instead of a read that blocks forever (opening a FIFO waits for a
/// writer) or never ends (a device).
/// </summary>
/// <remarks>
/// The file type comes from <c>statx(2)</c> on Linux (its layout is the same on every architecture). Elsewhere, or
/// where the C library has no <c>statx</c>, only folders are recognised. The check runs just before the open; a file
/// swapped for a FIFO between the two is not caught.
/// </remarks>
public static class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxBufferSize = 256;
    private const int StatxMaskOffset = 0;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;

    private static readonly Lazy<nint> Statx = new(LoadStatx);

    /// <summary>Opens a regular file for reading (shared read access, 64 KiB buffer).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The stream, owned by the caller.</returns>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO, a device or a socket.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static FileStream OpenRead(string path)
    {
        ThrowIfNotRegular(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>Reads a regular file's bytes.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The contents.</returns>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO, a device or a socket.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static byte[] ReadAllBytes(string path)
    {
        using FileStream file = OpenRead(path);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Throws when the path exists but is not a regular file (following symbolic links); a missing path passes, so
    /// the open that follows reports it as usual. For paths handed to native code that opens them itself.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO, a device or a socket.</exception>
    public static void ThrowIfNotRegular(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new NotRegularFileException(path, "a folder");
        }

        int? type = FileType(path);
        string? kind = type switch
        {
            null or 0x8000 => null,
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x4000 => "a folder",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => "a special file",
        };
        if (kind is not null)
        {
            throw new NotRegularFileException(path, kind);
        }
    }

    /// <summary>The <c>S_IFMT</c> bits of the path's mode, or null when unknown (no statx, or the path is missing).</summary>
    private static unsafe int? FileType(string path)
    {
        nint statx = Statx.Value;
        if (statx == 0)
        {
            return null;
        }

        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        byte* buffer = stackalloc byte[StatxBufferSize];
        int result;
        fixed (byte* p = name)
        {
            result = ((delegate* unmanaged<int, byte*, int, uint, byte*, int>)statx)(AtFdCwd, p, 0, StatxType, buffer);
        }

        if (result != 0 || (*(uint*)(buffer + StatxMaskOffset) & StatxType) == 0)
        {
            return null;
        }

        return *(ushort*)(buffer + StatxModeOffset) & FileTypeMask;
    }

    private static nint LoadStatx()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        foreach (string library in new[] { "libc.so.6", "libc" })
        {
            if (NativeLibrary.TryLoad(library, out nint handle) && NativeLibrary.TryGetExport(handle, "statx", out nint statx))
            {
                return statx;
            }
        }

        return 0;
    }
}
