using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class Cifar10ReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_GeneratedRecords_KeepsLabelsAndPlanarRgbLayout()
    {
        byte[] labels = [3, 9, 0];
        byte[] pixels = IdxReaderTests.RandomBytes(7, 3 * Cifar10Reader.PixelBytes);
        string path = _dir.File("data_batch_1.bin");
        Cifar10Reader.Write(path, labels, pixels);
        new FileInfo(path).Length.Should().Be(3 * 3073);

        Dataset d = Cifar10Reader.Read(path);

        d.Count.Should().Be(3);
        (d.Channels, d.Height, d.Width).Should().Be((3, 32, 32));
        d.Labels.Should().Equal(3, 9, 0);
        // record 1, green plane (c = 1), row 5, column 7
        int index = (1 * 3072) + (1 * 1024) + (5 * 32) + 7;
        d.Images[index].Should().Be(pixels[index] / 255f);
        d.Images.Select((v, i) => Math.Abs(v - (pixels[i] / 255f))).Max().Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void Read_SeveralFiles_Concatenates()
    {
        string a = _dir.File("a.bin");
        string b = _dir.File("b.bin");
        Cifar10Reader.Write(a, [1, 2], new byte[2 * 3072]);
        Cifar10Reader.Write(b, [5], new byte[3072]);
        Cifar10Reader.Read(a, b).Labels.Should().Equal(1, 2, 5);
    }

    [Fact]
    public void Load_StandardFolder_ReadsTrainAndTest()
    {
        for (int i = 1; i <= 5; i++)
        {
            Cifar10Reader.Write(_dir.File($"data_batch_{i}.bin"), [(byte)i], new byte[3072]);
        }

        Cifar10Reader.Write(_dir.File("test_batch.bin"), [7, 8], new byte[2 * 3072]);

        (Dataset train, Dataset test) = Cifar10Reader.Load(_dir.Path);

        train.Labels.Should().Equal(1, 2, 3, 4, 5);
        test.Labels.Should().Equal(7, 8);
    }

    [Fact]
    public void Read_TruncatedRecord_ThrowsAtTheCutRecord()
    {
        string path = _dir.File("t.bin");
        Cifar10Reader.Write(path, [1, 2], new byte[2 * 3072]);
        using (var fs = new FileStream(path, FileMode.Open))
        {
            fs.SetLength((2 * 3073) - 100);
        }

        DataFormatException ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.Read(path));

        ex.FilePath.Should().Be(path);
        ex.Offset.Should().Be(3073);
        ex.Message.Should().Contain("truncated");
    }

    [Fact]
    public void Read_LabelOutOfRange_ThrowsAtTheRecord()
    {
        string path = _dir.File("l.bin");
        Cifar10Reader.Write(path, [1, 2, 10], new byte[3 * 3072]);

        DataFormatException ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.Read(path));

        ex.Offset.Should().Be(2 * 3073);
        ex.Message.Should().Contain("label 10");
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        string path = _dir.File("e.bin");
        File.WriteAllBytes(path, []);
        Assert.Throws<DataFormatException>(() => Cifar10Reader.Read(path)).Offset.Should().Be(0);
    }

    [Fact]
    public void Load_MissingBatch_ThrowsFileNotFound()
    {
        Action act = () => Cifar10Reader.Load(_dir.Path);
        act.Should().Throw<FileNotFoundException>().WithMessage("*data_batch_1.bin*");
    }
}
