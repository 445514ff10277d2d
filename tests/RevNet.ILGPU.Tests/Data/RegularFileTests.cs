using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Tests.Training;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Data;

/// <summary>
/// Issue #14, non-regular files: a FIFO, a folder or a device where a data file or a checkpoint is expected is a
/// <see cref="NotRegularFileException"/> naming the path, at once; before the fix a FIFO blocked forever.
/// </summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void IdxReader_Fifo_IsRefusedNamingThePath()
    {
        string fifo = Fifo.Create(_dir.File("train-images-idx3-ubyte"));

        Exception ex = Fifo.Refuses(fifo, () => IdxReader.Read(fifo));

        ShouldName(ex, fifo, "a FIFO (named pipe)");
    }

    [SkippableFact]
    public void Cifar10Reader_Fifo_IsRefused()
    {
        string good = _dir.File("data_batch_1.bin");
        Cifar10Reader.Write(good, [1], new byte[Cifar10Reader.PixelBytes]);
        string fifo = Fifo.Create(_dir.File("data_batch_2.bin"));

        ShouldName(Fifo.Refuses(fifo, () => Cifar10Reader.Read(good, fifo)), fifo, "a FIFO (named pipe)");
    }

    [SkippableFact]
    public void Checkpoint_Fifo_IsRefused()
    {
        string fifo = Fifo.Create(_dir.File("run.ckpt"));

        ShouldName(Fifo.Refuses(fifo, () => Checkpoint.Load(fifo)), fifo, "a FIFO (named pipe)");
    }

    [SkippableFact]
    public void ModelState_FifoCheckpoint_IsRefusedBeforeTheModelIsTouched()
    {
        string fifo = Fifo.Create(_dir.File("weights.ckpt"));
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 4, 3, 2, seed: 1);
        float[] before = model.Parameters[0].Value.ToArray();

        ShouldName(Fifo.Refuses(fifo, () => ModelState.Load(fifo, model, "tiny")), fifo, "a FIFO (named pipe)");
        model.Parameters[0].Value.ToArray().Should().Equal(before);
    }

    [SkippableFact]
    public void DatasetManifest_FifoManifest_IsRefused()
    {
        string fifo = Fifo.Create(_dir.File(DatasetManifest.FileName));

        ShouldName(Fifo.Refuses(fifo, () => DatasetManifest.TryRead(_dir.Path)), fifo, "a FIFO (named pipe)");
    }

    [SkippableFact]
    public void FashionMnist_FolderWithAFifoForADataFile_IsRefused()
    {
        IdxReader.Write(_dir.File("train-labels-idx1-ubyte"), [2], [1, 2], gzip: false);
        string fifo = Fifo.Create(_dir.File("train-images-idx3-ubyte.gz"));

        ShouldName(Fifo.Refuses(fifo, () => FashionMnist.LoadSplit(_dir.Path, train: true)), fifo, "a FIFO (named pipe)");
    }

    [Fact]
    public void OpenRead_Folder_IsRefusedAsAFolder()
    {
        Action act = () => RegularFile.OpenRead(_dir.Path).Dispose();

        act.Should().Throw<NotRegularFileException>().Which.Kind.Should().Be("a folder");
    }

    [Fact]
    public void Checkpoint_FolderInPlaceOfTheFile_IsRefusedAsAFolder()
    {
        string folder = _dir.File("run.ckpt");
        Directory.CreateDirectory(folder);

        Action act = () => Checkpoint.Load(folder);

        act.Should().Throw<NotRegularFileException>().WithMessage($"{folder} is a folder, not a regular file*");
    }

    [SkippableFact]
    public void IdxReader_CharacterDevice_IsRefused()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the file type of devices is read with statx on Linux only");

        Action act = () => IdxReader.Read("/dev/zero");

        act.Should().Throw<NotRegularFileException>().Which.Kind.Should().Be("a character device");
    }

    [Fact]
    public void OpenRead_RegularFileAndMissingFile_BehaveAsBefore()
    {
        string file = _dir.File("plain.bin");
        File.WriteAllBytes(file, [1, 2, 3]);

        RegularFile.ReadAllBytes(file).Should().Equal(1, 2, 3);
        Action missing = () => RegularFile.OpenRead(_dir.File("missing.bin"));
        missing.Should().Throw<FileNotFoundException>();
    }

    private static void ShouldName(Exception ex, string path, string kind)
    {
        NotRegularFileException refused = ex.Should().BeOfType<NotRegularFileException>().Subject;
        refused.FilePath.Should().Be(path);
        refused.Kind.Should().Be(kind);
        refused.Message.Should().Be($"{path} is {kind}, not a regular file; give the path of a regular file.");
    }
}
