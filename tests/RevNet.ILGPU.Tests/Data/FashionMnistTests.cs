using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private const int Pixels = 28 * 28;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(true, 60_000)]
    [InlineData(false, 10_000)]
    public void LoadSplit_BundledFiles_AreTheCompleteReleaseWithBalancedClasses(bool train, int count)
    {
        var notices = new List<string>();

        Dataset d = FashionMnist.LoadSplit(BundledData.Directory, train, notice: notices.Add);

        d.Count.Should().Be(count);
        (d.Channels, d.Height, d.Width).Should().Be((1, 28, 28));
        d.Labels.GroupBy(l => l).Select(g => (g.Key, g.Count())).Order()
            .Should().Equal(Enumerable.Range(0, 10).Select(c => (c, count / 10)));
        notices.Should().BeEmpty();
    }

    [Fact]
    public void LoadSplit_BundledFilesWithoutManifest_StrictReaderAcceptsThemWhole()
    {
        string prefix = Path.Combine(BundledData.Directory, "t10k-");
        Dataset d = Dataset.FromIdx(prefix + "images-idx3-ubyte.gz", prefix + "labels-idx1-ubyte.gz", 10);
        d.Count.Should().Be(10_000);
    }

    [Fact]
    public void BundledManifest_RecordsEveryFileWithSizeAndTheFullCounts()
    {
        DatasetManifest manifest = DatasetManifest.TryRead(BundledData.Directory)!;
        manifest.Should().NotBeNull();
        foreach (string f in Directory.GetFiles(BundledData.Directory, "*.gz"))
        {
            string name = Path.GetFileName(f);
            manifest.FileSizes[name].Should().Be(new FileInfo(f).Length);
            manifest.Files.Should().ContainKey(name);
        }

        manifest.ExpectedImages.Should().Equal(new Dictionary<string, int> { ["train"] = 60_000, ["test"] = 10_000 });
        manifest.UsableImages.Should().BeEmpty();
        manifest.Defects.Should().BeEmpty();
    }

    [Fact]
    public void Fixture_MissingImage_StrictReaderRejectsAtTheTrueEnd()
    {
        string images = WriteImages(_dir.Path, "train", Enumerable.Range(0, 20).Where(i => i != 12).ToArray(), declared: 20);
        WriteLabels(_dir.Path, "train", 20);

        Action act = () => FashionMnist.LoadSplit(_dir.Path, train: true);

        DataFormatException ex = act.Should().Throw<DataFormatException>().Which;
        ex.FilePath.Should().Be(images);
        ex.Offset.Should().Be(16 + (19L * Pixels));
        ex.IsDecompressedOffset.Should().BeTrue();
        ex.Message.Should().Contain("truncated");
    }

    [Fact]
    public void Fixture_ShiftedLabels_ManifestCutsToTheVerifiedPrefixAndSaysSo()
    {
        // Image 12 is missing, so image i ≥ 12 in the file is really sample i + 1 and its label is the next one.
        WriteImages(_dir.Path, "train", Enumerable.Range(0, 20).Where(i => i != 12).ToArray(), declared: 20);
        WriteLabels(_dir.Path, "train", 20);
        Dataset shifted = Dataset.FromIdx(_dir.File("train-images-idx3-ubyte.gz"), _dir.File("train-labels-idx1-ubyte.gz"), 10, maxImages: 14);
        LabelOfPixels(shifted, 13).Should().NotBe(shifted.Labels[13], "the fixture must really shift the labels");

        WriteManifest(_dir.Path, usableTrain: 12);
        var notices = new List<string>();
        Dataset d = FashionMnist.LoadSplit(_dir.Path, train: true, notice: notices.Add);

        d.Count.Should().Be(12);
        Enumerable.Range(0, d.Count).Select(i => LabelOfPixels(d, i)).Should().Equal(d.Labels);
        notices.Should().ContainSingle().Which.Should().Contain(12.ToString("N0", CultureInfo.CurrentCulture)).And.Contain("known defect");
    }

    [Fact]
    public void Fixture_ShortTestSplit_ManifestExpectingMoreImagesRejectsIt()
    {
        // Consistent files (9 images, 9 labels) that the strict reader alone accepts; the manifest expects 10.
        string images = WriteImages(_dir.Path, "t10k", Enumerable.Range(0, 9).ToArray(), declared: 9);
        WriteLabels(_dir.Path, "t10k", 9);
        FashionMnist.LoadSplit(_dir.Path, train: false).Count.Should().Be(9);
        WriteManifest(_dir.Path, expectedTest: 10);

        Action act = () => FashionMnist.LoadSplit(_dir.Path, train: false);

        DataFormatException ex = act.Should().Throw<DataFormatException>().Which;
        ex.FilePath.Should().Be(images);
        ex.Message.Should().Contain("declares 9 records").And.Contain("expects 10").And.Contain("incomplete");
    }

    [Fact]
    public void Fixture_FileDiffersFromManifest_ThrowsNamingTheFile()
    {
        WriteImages(_dir.Path, "t10k", Enumerable.Range(0, 10).ToArray(), declared: 10);
        string labels = WriteLabels(_dir.Path, "t10k", 10);
        WriteManifest(_dir.Path, withSizes: false);
        byte[] bytes = File.ReadAllBytes(labels);
        bytes[^1] ^= 1;
        File.WriteAllBytes(labels, bytes);

        Action act = () => FashionMnist.LoadSplit(_dir.Path, train: false);

        act.Should().Throw<DataFormatException>().Which.FilePath.Should().Be(labels);
    }

    [Fact]
    public void Fixture_FileSizeDiffersFromManifest_ThrowsNamingTheFileAndBothSizes()
    {
        string images = WriteImages(_dir.Path, "t10k", Enumerable.Range(0, 10).ToArray(), declared: 10);
        WriteLabels(_dir.Path, "t10k", 10);
        WriteManifest(_dir.Path);
        long size = new FileInfo(images).Length;
        using (var s = new FileStream(images, FileMode.Open))
        {
            s.SetLength(size - 5);
        }

        Action act = () => FashionMnist.LoadSplit(_dir.Path, train: false);

        DataFormatException ex = act.Should().Throw<DataFormatException>().Which;
        ex.FilePath.Should().Be(images);
        ex.Message.Should().Contain($"{size - 5} bytes").And.Contain($"records {size}");
    }

    [Fact]
    public void LoadSplit_FirstImages_Are28x28WithLabels0To9()
    {
        Dataset d = FashionMnist.LoadSplit(BundledData.Directory, train: true, maxImages: 3000);

        d.Count.Should().Be(3000);
        (d.Channels, d.Height, d.Width).Should().Be((1, 28, 28));
        d.ClassCount.Should().Be(10);
        d.Labels.Distinct().Order().Should().Equal(Enumerable.Range(0, 10));
        d.Images.Min().Should().Be(0f);
        d.Images.Max().Should().Be(1f);
    }

    [Fact]
    public void Compute_BundledTrainStatistics_MatchPublishedValues()
    {
        Normalization n = Normalization.Compute(FashionMnist.LoadSplit(BundledData.Directory, train: true, maxImages: 10_000));
        n.Mean[0].Should().BeApproximately(0.2860f, 3e-3f);
        n.Std[0].Should().BeApproximately(0.3530f, 3e-3f);
    }

    [Fact]
    public void LocateOrSource_FindsTheBundledFolder()
    {
        Directory.Exists(BundledData.Directory).Should().BeTrue();
        File.Exists(Path.Combine(BundledData.Directory, "train-images-idx3-ubyte.gz")).Should().BeTrue();
    }

    [Fact]
    public void LoadSplit_MissingFolder_ThrowsFileNotFoundListingNames()
    {
        Action act = () => FashionMnist.LoadSplit(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid()), train: true);
        act.Should().Throw<FileNotFoundException>().WithMessage("*train-images-idx3-ubyte*t10k-labels-idx1-ubyte*");
    }

    /// <summary>Sample i has label i mod 10 and every pixel equal to 20 × its label, so a pairing can be checked.</summary>
    private static string WriteImages(string dir, string prefix, int[] samples, int declared)
    {
        byte[] pixels = new byte[samples.Length * Pixels];
        for (int k = 0; k < samples.Length; k++)
        {
            pixels.AsSpan(k * Pixels, Pixels).Fill((byte)(20 * (samples[k] % 10)));
        }

        // Write a header that declares `declared` images before the (possibly fewer) images present.
        byte[] header = [0, 0, 8, 3, .. BigEndian(declared), .. BigEndian(28), .. BigEndian(28)];
        string path = Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz");
        using (var file = File.Create(path))
        using (var zip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            zip.Write(header);
            zip.Write(pixels);
        }

        return path;
    }

    private static string WriteLabels(string dir, string prefix, int count)
    {
        string path = Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz");
        IdxReader.Write(path, [count], Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray(), gzip: true);
        return path;
    }

    private static void WriteManifest(string dir, int? usableTrain = null, int? expectedTest = null, bool withSizes = true)
    {
        var files = new Dictionary<string, object>();
        foreach (string f in Directory.GetFiles(dir, "*.gz"))
        {
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)));
            files[Path.GetFileName(f)] = withSizes ? new { sha256 = sha, bytes = new FileInfo(f).Length } : sha;
        }

        var root = new Dictionary<string, object> { ["files"] = files };
        if (usableTrain is int u)
        {
            root["usableImages"] = new Dictionary<string, int> { ["train"] = u };
            root["defects"] = new[] { "one image missing" };
        }

        if (expectedTest is int t)
        {
            root["images"] = new Dictionary<string, int> { ["test"] = t };
        }

        File.WriteAllText(Path.Combine(dir, DatasetManifest.FileName), JsonSerializer.Serialize(root));
    }

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static int LabelOfPixels(Dataset d, int i) => (int)MathF.Round(d.Images[i * Pixels] * 255f / 20f);
}
