using RevNet.Cli;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>User errors end as one <c>error:</c> line and a non-zero exit code, never a stack trace.</summary>
[Collection("Cli")]
public sealed class CliErrorTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("train", "--epochs", "0")]
    [InlineData("train", "--batch", "abc")]
    [InlineData("train", "--device", "quantum")]
    [InlineData("train", "--optimizer", "rmsprop")]
    [InlineData("train", "--mode", "sometimes")]
    [InlineData("train", "--lr", "-0.1")]
    [InlineData("train", "--model", "revnet39")]
    [InlineData("train", "--no-such-option")]
    [InlineData("memory", "--models", "revnet38,resnet33")]
    [InlineData("eval")]
    [InlineData("frobnicate")]
    public void Run_BadCommandLine_PrintsOneLineAndExitsWithUsage(params string[] args)
    {
        CliResult result = CliHarness.Run(args);

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Output.Should().BeEmpty("a bad command line runs nothing");
    }

    [Fact]
    public void Run_NoCommand_PrintsOneLineError()
    {
        CliHarness.Run().ShouldBeOneLineError(ExitCodes.Usage);
    }

    [Fact]
    public void Train_MissingDataFolder_PrintsOneLineNamingIt()
    {
        string missing = _cli.PathOf("no-such-folder");

        CliResult result = CliHarness.Run("train", "--data", missing, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(missing);
    }

    [Fact]
    public void Train_DataFolderWithoutFiles_PrintsOneLineNamingTheFile()
    {
        string empty = _cli.PathOf("empty");
        Directory.CreateDirectory(empty);

        CliResult result = CliHarness.Run("train", "--data", empty, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("train-");
    }

    [Fact]
    public void Train_CorruptDataFile_PrintsOneLineNamingTheFile()
    {
        string folder = _cli.PathOf("corrupt");
        Directory.CreateDirectory(folder);
        foreach (string name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            // A wrong magic number: 0x0000_0803 is expected for images.
            File.WriteAllBytes(Path.Combine(folder, name), [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
        }

        CliResult result = CliHarness.Run("train", "--data", folder, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(folder);
    }

    [Fact]
    public void Train_BatchLargerThanLimit_PrintsOneLine()
    {
        CliResult result = CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "100", "--batch", "128", "--device", "host", "--no-plots");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--batch 128");
    }

    [SkippableFact]
    public void Train_UnavailableDevice_PrintsOneLineWithTheReason()
    {
        Skip.If(
            ComputeDevice.Discover().Any(p => p.Kind == DeviceKind.OpenCL && p.Available),
            "this machine has a usable OpenCL GPU");

        CliResult result = CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "64", "--batch", "64", "--device", "opencl", "--no-plots");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("OpenCL");
    }

    [Fact]
    public void Train_DivergingLearningRate_StopsWithOneLineNamingTheStep()
    {
        CliResult result = CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "128", "--batch", "32", "--lr", "1e30", "--device", "host",
            "--no-plots", "--out", _cli.PathOf("run"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("step");
    }

    [Fact]
    public void Eval_CorruptCheckpoint_PrintsOneLine()
    {
        string file = _cli.PathOf("garbage.ckpt");
        File.WriteAllBytes(file, [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);

        CliResult result = CliHarness.Run("eval", "--checkpoint", file, "--data", CliHarness.DataFolder, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(file);
    }

    [Fact]
    public void Eval_MissingCheckpoint_PrintsOneLine()
    {
        CliHarness.Run("eval", "--checkpoint", _cli.PathOf("none.ckpt")).ShouldBeOneLineError(ExitCodes.Failure);
    }

    [Fact]
    public void ErrorReport_UnexpectedException_IsOneLineSayingBugWithoutVerbose()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, CancellationToken.None);

        int code = ErrorReport.Write(Thrown(new InvalidOperationException("boom\nsecond line")), context);

        code.Should().Be(ExitCodes.Internal);
        var result = new CliResult(code, output.ToString(), error.ToString());
        result.ShouldBeOneLineError(ExitCodes.Internal);
        result.Error.Should().Contain("boom second line").And.Contain("--verbose");
    }

    [Fact]
    public void ErrorReport_Verbose_AddsTheStackTrace()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, CancellationToken.None) { Verbose = true };

        ErrorReport.Write(Thrown(new InvalidOperationException("boom")), context);

        error.ToString().Should().StartWith("error: ").And.Contain("   at ");
    }

    [Fact]
    public void ErrorReport_LibraryUserErrors_AreFailuresWithTheirMessage()
    {
        (string message, int code) = ErrorReport.Classify(new DeviceOutOfMemoryException("asked for 1.0 GiB"));
        code.Should().Be(ExitCodes.Failure);
        message.Should().Contain("out of device memory").And.Contain("asked for 1.0 GiB");

        ErrorReport.Classify(new DataFormatException("f.gz", 16, "wrong magic")).ExitCode.Should().Be(ExitCodes.Failure);
        ErrorReport.Classify(new CheckpointException("c.ckpt", -1, "another architecture")).ExitCode.Should().Be(ExitCodes.Failure);
        ErrorReport.Classify(new AggregateException(new DataFormatException("x"))).ExitCode.Should().Be(ExitCodes.Failure);
        ErrorReport.Classify(new OperationCanceledException()).ExitCode.Should().Be(ExitCodes.Cancelled);
    }

    private static Exception Thrown(Exception ex)
    {
        try
        {
            throw ex;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }
}
