namespace RevNet.ILGPU.Data;

/// <summary>
/// A read-only pass-through stream that computes the CRC-32 (IEEE, as in gzip) and the length of everything read
/// through it, so a gzip file's trailer can be checked against the data actually decompressed.
/// </summary>
internal sealed class Crc32Stream(Stream inner) : Stream
{
    private static readonly uint[] Table = BuildTable();
    private uint _crc = 0xFFFF_FFFFu;

    /// <summary>The CRC-32 of the bytes read so far.</summary>
    public uint Crc => ~_crc;

    /// <summary>The bytes read so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        uint crc = _crc;
        foreach (byte b in buffer[..n])
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _crc = crc;
        BytesRead += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static uint[] BuildTable()
    {
        uint[] table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
