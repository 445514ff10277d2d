using System.Buffers.Binary;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false, new[] { 5 })]
    [InlineData(true, new[] { 5 })]
    [InlineData(false, new[] { 3, 4, 2 })]
    [InlineData(true, new[] { 3, 4, 2 })]
    [InlineData(true, new[] { 2, 1, 3, 3 })]
    public void Read_WrittenFile_RoundTrips(bool gzip, int[] dims)
    {
        byte[] data = RandomBytes(17, dims.Aggregate(1, (a, b) => a * b));
        string path = _dir.File(gzip ? "x.gz" : "x.idx");
        IdxReader.Write(path, dims, data, gzip);

        IdxFile file = IdxReader.Read(path);

        file.Dimensions.Should().Equal(dims);
        file.Data.Should().Equal(data);
        file.Path.Should().Be(path);
        file.DataOffset.Should().Be(4 + (4 * dims.Length));
    }

    [Fact]
    public void Read_GzipContentWithoutGzName_IsDetectedByMagic()
    {
        byte[] data = RandomBytes(3, 12);
        string path = _dir.File("labels-idx1-ubyte");
        IdxReader.Write(path, [12], data, gzip: true);
        IdxReader.Read(path).Data.Should().Equal(data);
    }

    [Fact]
    public void Read_LargerThanOneChunk_ReadsEverything()
    {
        // 3 MiB crosses the reader's 1 MiB first chunk and its growth steps.
        byte[] data = RandomBytes(5, 3 << 20);
        string path = _dir.File("big.gz");
        IdxReader.Write(path, [3, 1024, 1024], data, gzip: true);
        IdxReader.Read(path).Data.Should().Equal(data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WrongMagic_ThrowsWithFileAndOffsetZero(bool gzip)
    {
        byte[] file = Raw([4], [1, 2, 3, 4]);
        file[0] = 0x12;
        string path = Save(file, gzip);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        ex.FilePath.Should().Be(path);
        ex.Offset.Should().Be(0);
        ex.IsDecompressedOffset.Should().Be(gzip);
        ex.Message.Should().Contain(path).And.Contain("magic").And.Contain("at byte 0");
    }

    [Fact]
    public void Read_UnsupportedElementType_ThrowsAtOffsetTwo()
    {
        byte[] file = Raw([4], [1, 2, 3, 4]);
        file[2] = 0x0D; // float
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(Save(file, false)));
        ex.Offset.Should().Be(2);
        ex.Message.Should().Contain("0x0D");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(255)]
    public void Read_BadRank_ThrowsAtOffsetThree(int rank)
    {
        byte[] file = Raw([4], [1, 2, 3, 4]);
        file[3] = (byte)rank;
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(Save(file, false)));
        ex.Offset.Should().Be(3);
    }

    [Fact]
    public void Read_ZeroDimension_ThrowsAtThatDimension()
    {
        byte[] file = Raw([2, 2], [1, 2, 3, 4]);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), 0);
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(Save(file, false)));
        ex.Offset.Should().Be(8);
    }

    [Theory]
    [InlineData(false, 3, 3)] // inside the magic
    [InlineData(false, 6, 6)] // inside a dimension
    [InlineData(false, 12, 12)] // header done, no data
    [InlineData(false, 20, 20)] // part of the data
    [InlineData(true, 3, 3)]
    [InlineData(true, 20, 20)]
    public void Read_TruncatedFile_ThrowsAtTheEnd(bool gzip, int keep, long expectedOffset)
    {
        byte[] full = Raw([4, 6], RandomBytes(1, 24));
        string path = Save(full[..keep], gzip);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        ex.Offset.Should().Be(expectedOffset);
        ex.Message.Should().Contain("truncated").And.Contain(path);
    }

    [Fact]
    public void Read_TruncatedGzipStream_ThrowsTypedError()
    {
        string path = _dir.File("t.gz");
        IdxReader.Write(path, [64, 64], RandomBytes(2, 4096), gzip: true);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        ex.FilePath.Should().Be(path);
        ex.IsDecompressedOffset.Should().BeTrue();
    }

    [Fact]
    public void Read_CorruptGzipPayload_ThrowsTypedError()
    {
        string path = _dir.File("c.gz");
        IdxReader.Write(path, [64, 64], RandomBytes(4, 4096), gzip: true);
        byte[] bytes = File.ReadAllBytes(path);
        for (int i = 20; i < bytes.Length - 8; i += 7)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(path, bytes);
        Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).FilePath.Should().Be(path);
    }

    [Fact]
    public void Read_TrailingData_Throws()
    {
        byte[] file = [.. Raw([4], [1, 2, 3, 4]), 99];
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(Save(file, false)));
        ex.Offset.Should().Be(12);
        ex.Message.Should().Contain("unexpected data");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_HeaderClaimsTrillionImages_RejectedBeforeAllocating(bool gzip)
    {
        // 10^6 x 10^3 x 10^3 = 10^12 bytes declared in a file of a few dozen bytes.
        byte[] file = new byte[16 + 8];
        file[2] = 0x08;
        file[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), 1_000_000);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), 1_000);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), 1_000);
        string path = Save(file, gzip);

        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        ex.Offset.Should().Be(gzip ? 4 : file.Length, "a raw file is reported as ending early, a gzip one as impossible");
        ex.Message.Should().Contain("1000000000000");
        allocated.Should().BeLessThan(1 << 20, "the declared size must be rejected before any data buffer is allocated");
    }

    [Fact]
    public void Read_GzipClaimingMoreThanItCanHold_GrowsOnlyWithArrivingData()
    {
        // 2^29 bytes declared: within the deflate bound of a ~1 MB file, so the reader starts reading, but the stream
        // ends after 1000 bytes; allocation must follow the data, not the declaration.
        string path = _dir.File("liar.gz");
        using (var fs = new FileStream(path, FileMode.Create))
        using (var zip = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest))
        {
            byte[] header = new byte[8];
            header[2] = 0x08;
            header[3] = 1;
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1 << 29);
            zip.Write(header);
            zip.Write(RandomBytes(9, 1_000_000)); // incompressible: the file is ~1 MB
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        ex.Message.Should().Contain("truncated");
        ex.Offset.Should().Be(8 + 1_000_000);
        allocated.Should().BeLessThan(16 << 20);
    }

    [Fact]
    public void FromIdx_CountMismatch_ThrowsNamingTheLabelFile()
    {
        string images = _dir.File("images.gz");
        string labels = _dir.File("labels.gz");
        IdxReader.Write(images, [3, 2, 2], RandomBytes(1, 12), gzip: true);
        IdxReader.Write(labels, [4], [0, 1, 2, 3], gzip: true);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels));

        ex.FilePath.Should().Be(labels);
        ex.Offset.Should().Be(4);
        ex.Message.Should().Contain("4 labels").And.Contain("3 images").And.Contain(images);
    }

    [Fact]
    public void FromIdx_LabelOutOfRange_ThrowsAtItsByte()
    {
        string images = _dir.File("images");
        string labels = _dir.File("labels");
        IdxReader.Write(images, [3, 2, 2], RandomBytes(1, 12), gzip: false);
        IdxReader.Write(labels, [3], [0, 10, 2], gzip: false);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels));

        ex.FilePath.Should().Be(labels);
        ex.Offset.Should().Be(9);
    }

    [Fact]
    public void FromIdx_WrongRanks_Throw()
    {
        string images = _dir.File("images");
        string labels = _dir.File("labels");
        IdxReader.Write(images, [12], RandomBytes(1, 12), gzip: false);
        IdxReader.Write(labels, [3], [0, 1, 2], gzip: false);
        Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels)).FilePath.Should().Be(images);
        Assert.Throws<DataFormatException>(() => Dataset.FromIdx(labels, images)).FilePath.Should().Be(labels);
    }

    [Fact]
    public void FromIdx_ValidFiles_ScalesPixelsAndKeepsLabels()
    {
        string images = _dir.File("images");
        string labels = _dir.File("labels");
        IdxReader.Write(images, [2, 1, 3], [0, 51, 255, 102, 153, 204], gzip: false);
        IdxReader.Write(labels, [2], [7, 3], gzip: true);

        Dataset d = Dataset.FromIdx(images, labels);

        d.Count.Should().Be(2);
        (d.Channels, d.Height, d.Width).Should().Be((1, 1, 3));
        d.Labels.Should().Equal(7, 3);
        d.Images.Should().Equal([0f, 0.2f, 1f, 0.4f, 0.6f, 0.8f], (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        Action act = () => IdxReader.Read(_dir.File("nope"));
        act.Should().Throw<FileNotFoundException>();
    }

    internal static byte[] Raw(int[] dims, byte[] data)
    {
        using var ms = new MemoryStream();
        IdxReader.Write(ms, dims, data, gzip: false);
        return ms.ToArray();
    }

    internal static byte[] RandomBytes(int seed, int count)
    {
        byte[] b = new byte[count];
        new Random(seed).NextBytes(b);
        return b;
    }

    private string Save(byte[] raw, bool gzip)
    {
        string path = _dir.File(Guid.NewGuid().ToString("N") + (gzip ? ".gz" : string.Empty));
        using var fs = new FileStream(path, FileMode.Create);
        if (gzip)
        {
            using var zip = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest);
            zip.Write(raw);
        }
        else
        {
            fs.Write(raw);
        }

        return path;
    }
}
