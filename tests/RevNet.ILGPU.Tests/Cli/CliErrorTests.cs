using RevNet.Cli;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
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
        CliResult result = CliHarness.Run();

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Error.Should().Contain("no command given; commands are: train, eval");
    }

    [Fact]
    public void Run_UnknownCommand_NamesItAndListsTheCommands()
    {
        CliResult result = CliHarness.Run("trian", "--epochs", "1");

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Error.Should().Contain("unknown command 'trian'; commands are: train, eval, models, memory, audit, devices")
            .And.NotContain("Required command");
    }

    [Theory]
    [InlineData("--limit", "abc", "--limit: 'abc' is not a whole number")]
    [InlineData("--epochs", "2.5", "--epochs: '2.5' is not a whole number")]
    [InlineData("--batch", "99999999999", "--batch: 99999999999 is out of range")]
    public void Train_ValueOfTheWrongType_SaysSoWithoutDotNetTypeNames(string option, string value, string expected)
    {
        CliResult result = CliHarness.Run("train", option, value);

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Error.Should().Contain(expected).And.NotContain("System.").And.NotContain("Nullable");
    }

    [Fact]
    public void Audit_BatchTooLargeForOneBuffer_IsAUsageErrorNotABug()
    {
        CliResult result = CliHarness.Run("audit", "--batch", "2000000000", "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Error.Should().Contain("--batch 2000000000 is too large").And.Contain("use at most");
    }

    [SkippableFact]
    public void Train_UnavailableDevice_AdviceNamesTheFlag()
    {
        Skip.If(ComputeDevice.Discover().Any(p => p.Kind == DeviceKind.OpenCL && p.Available), "an OpenCL GPU is present");

        CliResult result = CliHarness.Run("train", "--device", "opencl", "--data", CliHarness.DataFolder, "--out", _cli.PathOf("run"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("no usable opencl device").And.Contain("--device auto").And.Contain("--device host")
            .And.NotContain("DeviceKind");
    }

    [Theory]
    [InlineData(ActivationMode.Reconstruct, false)]
    [InlineData(ActivationMode.Store, true)]
    public void ErrorReport_OutOfMemory_AdviceNamesFlagsAndReconstructOnlyWhenStoring(ActivationMode mode, bool suggestsReconstruct)
    {
        var ex = new DeviceOutOfMemoryException("Out of memory. Reduce the batch size or use ActivationMode.Reconstruct.")
        {
            RequestedBytes = 64L << 20,
            InUseBytes = 900L << 20,
            CapacityBytes = 1L << 30,
            Batch = 128,
            SuggestedMaxBatch = 32,
        };

        (string message, int code) = ErrorReport.Classify(ex, mode);

        code.Should().Be(ExitCodes.Failure);
        message.Should().Be(
            "out of device memory at --batch 128: asked for 64.0 MiB with 900.0 MiB in use of the 1024.0 MiB budget; "
            + "the largest batch that fits is 32: run with --batch 32" + (suggestsReconstruct ? ", or --mode reconstruct." : "."));
        message.Should().NotContain("ActivationMode");
    }

    [Fact]
    public void ErrorReport_OutOfMemoryWhereNoBatchFits_SuggestsASmallerModel()
    {
        var ex = new DeviceOutOfMemoryException("x") { RequestedBytes = 1 << 20, CapacityBytes = 1 << 20, Batch = 2, SuggestedMaxBatch = 0 };

        ErrorReport.Classify(ex, ActivationMode.Reconstruct).Message.Should().EndWith("not even one image fits: try a smaller --model.");
    }

    [Fact]
    public void ErrorReport_NonFiniteLoss_CountsStepsFromOneAndNamesFlags()
    {
        (string message, int code) = ErrorReport.Classify(new NonFiniteValueException(2, 7, 106, "loss", float.NaN));

        code.Should().Be(ExitCodes.Failure);
        message.Should().Be(
            "NaN in loss at epoch 2, step 7 (step 107 of the run); the training diverged: lower --lr or add --warmup steps.");
    }

    [Fact]
    public void ErrorReport_NonFiniteRebuiltActivation_IsAUserErrorNamingTheModeFlag()
    {
        (string message, int code) = ErrorReport.Classify(
            new NonFiniteActivationException(3, "stage1.unit2", "rebuilt input", 17, float.PositiveInfinity));

        code.Should().Be(ExitCodes.Failure, "a diverged run is not a bug");
        message.Should().Contain("+Infinity").And.Contain("stage1.unit2").And.Contain("--mode store").And.NotContain("ActivationMode");
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
