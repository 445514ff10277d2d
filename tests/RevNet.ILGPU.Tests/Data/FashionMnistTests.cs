using System.Buffers.Binary;
using System.IO.Compression;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class FashionMnistTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadSplit_BundledFiles_LoadFullyOrFailAtTheirTrueEnd(bool train)
    {
        // Measured independently of IdxReader: the headers' counts and the bytes the gzip streams really hold.
        // (The standard files hold 60,000 and 10,000 images; the repository's copy differs, see the report.)
        string prefix = train ? "train" : "t10k";
        string imagesPath = Path.Combine(BundledData.Directory, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(BundledData.Directory, $"{prefix}-labels-idx1-ubyte.gz");
        (int declaredImages, long imageBytes) = Inspect(imagesPath);
        (int declaredLabels, long labelBytes) = Inspect(labelsPath);
        bool imagesComplete = imageBytes == 16 + (declaredImages * 784L);
        bool labelsComplete = labelBytes == 8 + declaredLabels;

        // The strict reader, without the folder's manifest.
        Func<Dataset> load = () => Dataset.FromIdx(imagesPath, labelsPath, 10);

        if (imagesComplete && labelsComplete && declaredImages == declaredLabels)
        {
            Dataset d = load();
            d.Count.Should().Be(declaredImages);
            (d.Channels, d.Height, d.Width).Should().Be((1, 28, 28));
            d.Labels.Distinct().Order().Should().Equal(Enumerable.Range(0, 10));
        }
        else
        {
            // The file is short of what its header declares: the loader must say so, naming the file and the end.
            DataFormatException ex = load.Should().Throw<DataFormatException>().Which;
            ex.FilePath.Should().Be(labelsComplete ? imagesPath : labelsPath);
            ex.Offset.Should().Be(labelsComplete ? imageBytes : labelBytes);
            ex.IsDecompressedOffset.Should().BeTrue();
            ex.Message.Should().Contain("truncated");
        }
    }

    [Fact]
    public void LoadSplit_BundledTrainWithManifest_UsesTheVerifiedPrefixAndSaysSo()
    {
        var notices = new List<string>();
        DatasetManifest manifest = DatasetManifest.TryRead(BundledData.Directory)!;
        manifest.Should().NotBeNull();
        int usable = manifest.UsableImages["train"];

        Dataset d = FashionMnist.LoadSplit(BundledData.Directory, train: true, notice: notices.Add);

        d.Count.Should().Be(usable);
        notices.Should().ContainSingle().Which.Should().Contain(usable.ToString("N0", System.Globalization.CultureInfo.CurrentCulture));
    }

    [Fact]
    public void LoadSplit_FileDiffersFromManifest_ThrowsNamingTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("revnet-manifest-").FullName;
        try
        {
            foreach (string f in Directory.GetFiles(BundledData.Directory, "t10k-*"))
            {
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            }

            File.Copy(Path.Combine(BundledData.Directory, DatasetManifest.FileName), Path.Combine(dir, DatasetManifest.FileName));
            string labels = Path.Combine(dir, "t10k-labels-idx1-ubyte.gz");
            byte[] bytes = File.ReadAllBytes(labels);
            bytes[^1] ^= 1;
            File.WriteAllBytes(labels, bytes);

            Action act = () => FashionMnist.LoadSplit(dir, train: false);

            act.Should().Throw<DataFormatException>().Which.FilePath.Should().Be(labels);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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

    private static (int Declared, long Bytes) Inspect(string gz)
    {
        using var zip = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int declared = -1;
        int n;
        while ((n = zip.Read(buffer)) > 0)
        {
            if (total == 0)
            {
                declared = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(4));
            }

            total += n;
        }

        return (declared, total);
    }
}
