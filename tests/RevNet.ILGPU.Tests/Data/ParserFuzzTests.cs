using System.IO.Compression;
using RevNet.ILGPU.Data;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Data;

/// <summary>
/// Mutation fuzzing of the IDX and CIFAR-10 readers (issue 5): 10,000 cases each in a normal run; only
/// <see cref="DataFormatException"/> may escape, nothing may allocate runaway memory, and a gzip file that still
/// parses must give back exactly the original data (its CRC-32 catches flipped bits).
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxReader_MutatedFiles_OnlyTypedErrors(bool gzip)
    {
        int[] dims = [6, 5, 7];
        byte[] data = IdxReaderTests.RandomBytes(21, 6 * 5 * 7);
        using var ms = new MemoryStream();
        IdxReader.Write(ms, dims, data, gzip);
        byte[] original = ms.ToArray();

        (int rejected, int parsed) = Fuzz.Run<DataFormatException, IdxFile>(
            original,
            seed: gzip ? 101UL : 100UL,
            Fuzz.Iterations(),
            bytes => IdxReader.Read(new MemoryStream(bytes, writable: false), "fuzz.idx"),
            (bytes, file) =>
            {
                long count = file.Dimensions.Aggregate(1L, (a, d) => a * d);
                file.Data.LongLength.Should().Be(count);
                if (gzip && bytes.Length > 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
                {
                    file.Dimensions.Should().Equal(dims, "gzip's CRC-32 must catch any change to the content");
                    file.Data.Should().Equal(data);
                }
                else
                {
                    (file.DataOffset + count).Should().Be(bytes.Length, "a raw file that parses is exactly header + data");
                }
            });

        output.WriteLine($"IDX ({(gzip ? "gzip" : "raw")}): {rejected} rejected with DataFormatException, {parsed} parsed.");
        rejected.Should().BeGreaterThan(Fuzz.Iterations() / 3);
    }

    [Fact]
    public void Cifar10Reader_MutatedFiles_OnlyTypedErrors()
    {
        byte[] original = new byte[3 * Cifar10Reader.RecordSize];
        new Random(5).NextBytes(original);
        for (int r = 0; r < 3; r++)
        {
            original[r * Cifar10Reader.RecordSize] = (byte)(r * 3);
        }

        (int rejected, int parsed) = Fuzz.Run<DataFormatException, Dataset>(
            original,
            seed: 200,
            Fuzz.Iterations(),
            bytes => Cifar10Reader.Read([new MemoryStream(bytes, writable: false)], ["fuzz.bin"]),
            (bytes, d) =>
            {
                ((long)d.Count * Cifar10Reader.RecordSize).Should().Be(bytes.Length);
                d.Labels.Should().OnlyContain(l => l >= 0 && l < 10);
                for (int r = 0; r < d.Count; r++)
                {
                    d.Labels[r].Should().Be(bytes[r * Cifar10Reader.RecordSize]);
                }
            });

        output.WriteLine($"CIFAR-10: {rejected} rejected with DataFormatException, {parsed} parsed.");
        rejected.Should().BeGreaterThan(Fuzz.Iterations() / 3);
    }

    [Fact]
    public void IdxReader_EmptyAndTinyInputs_OnlyTypedErrors()
    {
        for (int len = 0; len < 16; len++)
        {
            byte[] bytes = new byte[len];
            Action act = () => IdxReader.Read(new MemoryStream(bytes), "tiny");
            act.Should().Throw<DataFormatException>();
        }

        byte[] gzipHeaderOnly = [0x1F, 0x8B];
        FluentActions.Invoking(() => IdxReader.Read(new MemoryStream(gzipHeaderOnly), "gz")).Should().Throw<DataFormatException>();
        using var ms = new MemoryStream();
        using (var zip = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
        }

        FluentActions.Invoking(() => IdxReader.Read(new MemoryStream(ms.ToArray()), "empty.gz")).Should().Throw<DataFormatException>();
    }
}
