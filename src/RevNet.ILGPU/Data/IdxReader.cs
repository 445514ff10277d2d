using System.Buffers.Binary;
using System.IO.Compression;

namespace RevNet.ILGPU.Data;

/// <summary>
/// Reads and writes IDX files of unsigned bytes (MNIST, Fashion-MNIST), gzip-compressed or raw (detected from the
/// first two bytes). Every problem is a <see cref="DataFormatException"/> naming the file and the byte offset.
/// </summary>
/// <remarks>
/// Layout: magic <c>00 00 08 rank</c>, then <c>rank</c> big-endian 32-bit dimensions, then the bytes. A declared
/// size is checked against what the file can hold (its length, or for gzip the deflate format's largest ratio)
/// <b>before</b> anything is allocated, and the buffer then grows only as data actually arrives, so a header that
/// claims 10^12 elements costs nothing.
/// </remarks>
public static class IdxReader
{
    /// <summary>The largest rank accepted.</summary>
    public const int MaxRank = 8;

    /// <summary>The IDX type code of unsigned bytes, the only element type read.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Deflate cannot expand data more than about 1032:1; bounds what a gzip file can decompress to.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads an IDX file.</summary>
    /// <param name="path">The file; <c>.gz</c> content is detected by its magic bytes, whatever the name.</param>
    /// <returns>The dimensions and bytes.</returns>
    /// <exception cref="DataFormatException">The file is corrupt, truncated, has a wrong magic or an impossible size.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO or a device.</exception>
    public static IdxFile Read(string path) => Read(path, int.MaxValue);

    /// <summary>Reads at most the first <paramref name="maxRecords"/> records (entries of the outermost dimension).</summary>
    /// <param name="path">The file; <c>.gz</c> content is detected by its magic bytes, whatever the name.</param>
    /// <param name="maxRecords">The most records to read. When the file declares more, only the records read are
    /// checked (a truncation or trailing data after them goes unnoticed).</param>
    /// <returns>The dimensions (the first one limited) and bytes.</returns>
    /// <exception cref="DataFormatException">The part read is corrupt or truncated, the magic is wrong, or the size impossible.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO or a device.</exception>
    public static IdxFile Read(string path, int maxRecords)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        using FileStream file = RegularFile.OpenRead(path);
        return Read(file, path, maxRecords);
    }

    /// <summary>Reads an IDX file from a seekable stream (its remaining length bounds the declared size).</summary>
    /// <param name="stream">The stream, positioned at the start of the file.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <param name="maxRecords">The most records to read (see <see cref="Read(string, int)"/>).</param>
    /// <returns>The dimensions and bytes.</returns>
    /// <exception cref="DataFormatException">The data is corrupt, truncated, has a wrong magic or an impossible size.</exception>
    public static IdxFile Read(Stream stream, string name, int maxRecords = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable (its length bounds the declared size).", nameof(stream));
        }

        long available = stream.Length - stream.Position;
        Span<byte> probe = stackalloc byte[2];
        int got = stream.ReadAtLeast(probe, probe.Length, throwOnEndOfStream: false);
        stream.Seek(-got, SeekOrigin.Current);
        bool gzip = got == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
        if (!gzip)
        {
            return ReadBody(stream, name, available, gzip: false, maxRecords);
        }

        long start = stream.Position;
        long bound = available > long.MaxValue / MaxDeflateRatio ? long.MaxValue : (available * MaxDeflateRatio) + 64;
        IdxFile file;
        uint crc;
        long length;
        using (var unzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true))
        using (var counted = new Crc32Stream(unzip))
        {
            file = ReadBody(counted, name, bound, gzip: true, maxRecords);
            Drain(counted, name);
            crc = counted.Crc;
            length = counted.BytesRead;
        }

        VerifyGzipTrailer(stream, start + available, crc, length, name);
        return file;
    }

    /// <summary>Writes an IDX file of unsigned bytes, optionally gzip-compressed.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="dimensions">The dimensions, outermost first (1 to <see cref="MaxRank"/>, each positive).</param>
    /// <param name="data">Exactly the product of the dimensions bytes.</param>
    /// <param name="gzip">Whether to compress.</param>
    /// <exception cref="ArgumentException">The dimensions do not match the data.</exception>
    public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(file, dimensions, data, gzip);
    }

    /// <summary>Writes an IDX file of unsigned bytes to a stream, optionally gzip-compressed.</summary>
    /// <param name="stream">The destination (left open).</param>
    /// <param name="dimensions">The dimensions, outermost first (1 to <see cref="MaxRank"/>, each positive).</param>
    /// <param name="data">Exactly the product of the dimensions bytes.</param>
    /// <param name="gzip">Whether to compress.</param>
    /// <exception cref="ArgumentException">The dimensions do not match the data.</exception>
    public static void Write(Stream stream, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (dimensions.Length is < 1 or > MaxRank)
        {
            throw new ArgumentException($"Expected 1 to {MaxRank} dimensions, got {dimensions.Length}.", nameof(dimensions));
        }

        long count = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Dimensions must be positive, got {d}.", nameof(dimensions));
            }

            count = checked(count * d);
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"The dimensions hold {count} bytes, the data has {data.Length}.", nameof(data));
        }

        byte[] header = new byte[4 + (4 * dimensions.Length)];
        header[2] = UnsignedByteType;
        header[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        if (gzip)
        {
            using var zip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            zip.Write(header);
            zip.Write(data);
        }
        else
        {
            stream.Write(header);
            stream.Write(data);
        }
    }

    private static IdxFile ReadBody(Stream s, string name, long bound, bool gzip, int maxRecords)
    {
        long offset = 0;
        Span<byte> magic = stackalloc byte[4];
        offset += ReadOrThrow(s, magic, name, offset, gzip, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DataFormatException(
                name, 0, $"wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}; an IDX file starts with 00 00 08 <rank>", gzip);
        }

        if (magic[2] != UnsignedByteType)
        {
            throw new DataFormatException(
                name, 2, $"unsupported IDX element type 0x{magic[2]:X2}; only unsigned bytes (0x08) are read", gzip);
        }

        int rank = magic[3];
        if (rank is < 1 or > MaxRank)
        {
            throw new DataFormatException(name, 3, $"IDX rank {rank} is outside 1..{MaxRank}", gzip);
        }

        int[] dims = new int[rank];
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < rank; i++)
        {
            long at = offset;
            offset += ReadOrThrow(s, word, name, offset, gzip, $"dimension {i} of {rank}");
            uint d = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (d == 0 || d > int.MaxValue)
            {
                throw new DataFormatException(name, at, $"dimension {i} is {d}; expected 1..{int.MaxValue}", gzip);
            }

            dims[i] = (int)d;
        }

        int declaredRecords = dims[0];
        dims[0] = Math.Min(dims[0], maxRecords);
        long count = dims[0];
        for (int i = 1; i < rank; i++)
        {
            count = count > long.MaxValue / dims[i] ? long.MaxValue : count * dims[i];
        }

        long capacity = bound - offset;
        string need = declaredRecords == dims[0]
            ? $"the header declares {Describe(dims)} = {count} bytes of data"
            : $"the first {dims[0]} of {declaredRecords} records need {count} bytes of data";
        if (count > capacity && !gzip)
        {
            // A raw file's length is known: report where it ends.
            throw new DataFormatException(
                name, bound, $"the file is truncated: {need}, but only {Math.Max(capacity, 0)} are present", gzip);
        }

        if (count > capacity)
        {
            throw new DataFormatException(
                name, 4, $"{need}, but a gzip file of this size decompresses to at most {capacity} bytes of data", gzip);
        }

        if (count > Array.MaxLength)
        {
            throw new DataFormatException(
                name, 4, $"{need}, more than one array can hold", gzip);
        }

        byte[] data = ReadData(s, name, (int)count, offset, gzip);
        offset += count;
        Span<byte> extra = stackalloc byte[1];
        if (declaredRecords == dims[0] && Read(s, extra, name, offset, gzip) != 0)
        {
            throw new DataFormatException(
                name, offset, $"unexpected data after the {count} bytes the header declares ({Describe(dims)})", gzip);
        }

        return new IdxFile(name, dims, data, declaredRecords);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, growing the buffer only as data arrives.</summary>
    private static byte[] ReadData(Stream s, string name, int count, long offset, bool gzip)
    {
        const int FirstChunk = 1 << 20;
        byte[] buffer = new byte[Math.Min(count, FirstChunk)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
            {
                int grown = (int)Math.Min(count, Math.Max((long)buffer.Length * 2, FirstChunk));
                Array.Resize(ref buffer, grown);
            }

            int n = Read(s, buffer.AsSpan(filled), name, offset + filled, gzip);
            if (n == 0)
            {
                throw new DataFormatException(
                    name, offset + filled, $"the file is truncated: {filled} of {count} data bytes present", gzip);
            }

            filled += n;
        }

        return buffer;
    }

    private static int ReadOrThrow(Stream s, Span<byte> buffer, string name, long offset, bool gzip, string what)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = Read(s, buffer[got..], name, offset + got, gzip);
            if (n == 0)
            {
                throw new DataFormatException(name, offset + got, $"the file is truncated inside {what}", gzip);
            }

            got += n;
        }

        return got;
    }

    private static int Read(Stream s, Span<byte> buffer, string name, long offset, bool gzip)
    {
        try
        {
            return s.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(name, offset, $"the gzip stream is corrupt ({ex.Message})", gzip, ex);
        }
    }

    /// <summary>Reads the rest of a limited read, so the whole stream is decompressed and checked.</summary>
    private static void Drain(Crc32Stream s, string name)
    {
        byte[] scratch = new byte[1 << 16];
        while (Read(s, scratch, name, s.BytesRead, gzip: true) > 0)
        {
        }
    }

    /// <summary>
    /// .NET's GZipStream returns what it decoded when the compressed data ends early, without checking the trailer;
    /// check the trailer's CRC-32 and size here, so a cut or altered file is never taken for a valid one.
    /// </summary>
    private static void VerifyGzipTrailer(Stream file, long end, uint crc, long length, string name)
    {
        Span<byte> trailer = stackalloc byte[8];
        long at = end - 8;
        file.Seek(at, SeekOrigin.Begin);
        if (at < 10 || file.ReadAtLeast(trailer, trailer.Length, throwOnEndOfStream: false) != 8)
        {
            throw new DataFormatException(name, Math.Max(at, 0), "the gzip file is too short to hold its trailer");
        }

        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint storedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != crc || storedSize != (uint)length)
        {
            throw new DataFormatException(
                name, at,
                $"the gzip trailer (CRC-32 0x{storedCrc:X8}, size {storedSize}) does not match the {length} bytes decompressed "
                + $"(CRC-32 0x{crc:X8}): the file is truncated or corrupt (multi-member gzip files are not supported)");
        }
    }

    private static string Describe(int[] dims) => "[" + string.Join(", ", dims) + "]";
}
