using RevNet.Cli;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>A checkpoint trained once (revnet-small, 64 images, one epoch) for the export tests.</summary>
public sealed class TrainedCheckpoint : IDisposable
{
    public TrainedCheckpoint()
    {
        CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "64", "--batch", "64", "--epochs", "1", "--test-limit", "64",
            "--device", "host", "--checkpoint", Path, "--no-plots", "--out", Cli.PathOf("run")).ShouldSucceed();
    }

    public CliHarness Cli { get; } = new();

    public string Path => Cli.PathOf("model.ckpt");

    public void Dispose() => Cli.Dispose();
}

public sealed class CliExportTests(TrainedCheckpoint trained) : IClassFixture<TrainedCheckpoint>, IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Export_TrainedCheckpoint_WritesAnOnnxFileAndSaysWhat()
    {
        string onnx = _cli.PathOf("model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", trained.Path, "--onnx", onnx);

        result.ShouldSucceed();
        result.Output.Should().Contain(onnx).And.Contain("revnet-small").And.Contain("[N,1,28,28]");
        byte[] bytes = File.ReadAllBytes(onnx);
        bytes.Length.Should().BeGreaterThan(300_000, "revnet-small has 92,794 float parameters");
        bytes[0].Should().Be(0x08, "an ONNX ModelProto starts with field 1 (ir_version, varint)");
        Directory.GetFiles(_cli.Folder).Should().Equal(onnx);
    }

    [Fact]
    public void Export_OnnxPathUnderAFile_OneLineError_NoFile()
    {
        string blocker = _cli.PathOf("blocker");
        File.WriteAllText(blocker, "x");
        string onnx = Path.Combine(blocker, "model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", trained.Path, "--onnx", onnx);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--onnx").And.Contain("cannot write");
        Directory.GetFileSystemEntries(_cli.Folder).Should().BeEquivalentTo([blocker]);
    }

    [Fact]
    public void Export_CorruptCheckpoint_OneLineError_NoFile()
    {
        string checkpoint = _cli.PathOf("garbage.ckpt");
        File.WriteAllBytes(checkpoint, [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);
        string onnx = _cli.PathOf("model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", checkpoint, "--onnx", onnx);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(checkpoint);
        File.Exists(onnx).Should().BeFalse();
    }

    [Fact]
    public void Export_TruncatedCheckpoint_OneLineError_NoFile()
    {
        string checkpoint = _cli.PathOf("short.ckpt");
        byte[] whole = File.ReadAllBytes(trained.Path);
        File.WriteAllBytes(checkpoint, whole[..(whole.Length / 2)]);
        string onnx = _cli.PathOf("model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", checkpoint, "--onnx", onnx);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        File.Exists(onnx).Should().BeFalse();
    }

    [Fact]
    public void Export_CheckpointOfAnotherArchitecture_OneLineError()
    {
        string onnx = _cli.PathOf("model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", trained.Path, "--onnx", onnx, "--model", "resnet-small");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("revnet-small").And.Contain("resnet-small");
        File.Exists(onnx).Should().BeFalse();
    }

    [Theory]
    [InlineData("--class-names", "a,b,c")]
    [InlineData("--opset", "40")]
    public void Export_BadOption_OneLineError(string option, string value)
    {
        string onnx = _cli.PathOf("model.onnx");

        CliResult result = CliHarness.Run("export", "--checkpoint", trained.Path, "--onnx", onnx, option, value);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(option);
        File.Exists(onnx).Should().BeFalse();
    }
}
