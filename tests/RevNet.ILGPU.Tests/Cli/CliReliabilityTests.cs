using System.Diagnostics;
using RevNet.Cli;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>
/// Issue #14's classes on the CLI: culture-invariant numbers, output paths checked before any work, atomic writes,
/// non-regular input files, a deleted working directory. Every case here fails in well under a second because nothing
/// trains before the check.
/// </summary>
[Collection("Cli")]
public sealed class CliReliabilityTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("0,05", "ambiguous")]
    [InlineData("1,000", "ambiguous")]
    [InlineData("0.0.1", "not a number")]
    public void Train_LearningRateWithCommaOrGarbage_IsAUsageErrorNamingTheFix(string value, string expected)
    {
        CliResult result = CliHarness.Run("train", "--lr", value, "--epochs", "1");

        result.ShouldBeOneLineError(ExitCodes.Usage);
        result.Error.Should().Contain("--lr").And.Contain(expected);
    }

    [Fact]
    public void Train_LearningRateWithExponent_IsAccepted()
    {
        CliResult result = CliHarness.Run(
            "train", "--lr", "5e-2", "--epochs", "1", "--limit", "256", "--test-limit", "64", "--batch", "128",
            "--model", "revnet-small", "--no-plots", "--out", _cli.PathOf("run"), "--data", CliHarness.DataFolder,
            "--device", "host");

        result.ShouldSucceed();
        result.Output.Should().Contain("lr 0.05");
    }

    [Fact]
    public void Train_CheckpointAndReportSameFile_FailsBeforeTraining()
    {
        string same = _cli.PathOf("same.bin");
        var watch = Stopwatch.StartNew();

        CliResult result = CliHarness.Run("train", "--checkpoint", same, "--report", same, "--data", CliHarness.DataFolder);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--report").And.Contain("--checkpoint").And.Contain("own file");
        result.Output.Should().BeEmpty("nothing trained");
        File.Exists(same).Should().BeFalse();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the check runs before the data are even loaded");
    }

    [Fact]
    public void Train_EmptyReportPath_FailsBeforeTraining()
    {
        CliResult result = CliHarness.Run("train", "--report", "", "--data", CliHarness.DataFolder);

        result.ExitCode.Should().NotBe(ExitCodes.Internal, "an empty path is the user's error, not a bug");
        result.ExitCode.Should().NotBe(ExitCodes.Success);
        result.Output.Should().BeEmpty("nothing trained");
    }

    [Fact]
    public void Train_FileWhereTheOutputFolderShouldBe_FailsBeforeTraining()
    {
        string file = _cli.PathOf("not-a-folder");
        File.WriteAllText(file, "x");

        CliResult result = CliHarness.Run("train", "--out", file, "--data", CliHarness.DataFolder);

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--out").And.Contain("is a file");
        result.Output.Should().BeEmpty();
    }

    [Fact]
    public void Train_CheckpointUnderAFile_FailsBeforeTrainingNamingTheFlag()
    {
        string file = _cli.PathOf("plain");
        File.WriteAllText(file, "x");

        CliResult result = CliHarness.Run(
            "train", "--checkpoint", Path.Combine(file, "ck.bin"), "--data", CliHarness.DataFolder, "--out", _cli.PathOf("run"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--checkpoint").And.Contain("cannot write");
        result.Output.Should().BeEmpty();
    }

    [Fact]
    public void Memory_JsonPathIsAFolder_FailsBeforeMeasuring()
    {
        CliResult result = CliHarness.Run("memory", "--models", "revnet38", "--json", _cli.Folder, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("--json").And.Contain("is a folder");
        result.Output.Should().NotContain("Measuring");
    }

    [Fact]
    public void AnyCommand_GarbageDeviceEnvironmentValue_IsAUsageErrorNamingTheVariable()
    {
        string? before = Environment.GetEnvironmentVariable("REVNET_DEVICE");
        try
        {
            Environment.SetEnvironmentVariable("REVNET_DEVICE", "garbage");
            CliResult result = CliHarness.Run("devices");

            result.ShouldBeOneLineError(ExitCodes.Usage);
            result.Error.Should().Contain("REVNET_DEVICE='garbage'").And.Contain("unset it");
        }
        finally
        {
            Environment.SetEnvironmentVariable("REVNET_DEVICE", before);
        }
    }

    [SkippableFact]
    public void Eval_CheckpointIsAFifo_OneLineErrorInsteadOfAHang()
    {
        string fifo = Fifo.Create(_cli.PathOf("model.ckpt"));
        CliResult result = Fifo.Promptly(
            fifo, () => CliHarness.Run("eval", "--checkpoint", fifo, "--data", CliHarness.DataFolder, "--device", "host"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(fifo).And.Contain("FIFO").And.Contain("not a regular file");
    }

    [SkippableFact]
    public void Train_DataFileIsAFifo_OneLineErrorInsteadOfAHang()
    {
        string data = _cli.PathOf("data");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(CliHarness.DataFolder, "train-labels-idx1-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"));
        string fifo = Fifo.Create(Path.Combine(data, "train-images-idx3-ubyte.gz"));
        CliResult result = Fifo.Promptly(
            fifo, () => CliHarness.Run("train", "--data", data, "--device", "host", "--out", _cli.PathOf("run")));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(fifo).And.Contain("not a regular file");
        result.Output.Should().NotContain("Training");
    }

    [Fact]
    public void Train_ResumeFromAFolder_SaysItIsAFolderBeforeTraining()
    {
        CliResult result = CliHarness.Run("train", "--resume", _cli.Folder, "--data", CliHarness.DataFolder, "--out", _cli.PathOf("run"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain($"{_cli.Folder} is a folder, not a regular file");
        result.Output.Should().NotContain("Training");
    }

    /// <summary>
    /// Before the fix: ILGPU reads the working directory when it creates a context (to probe for GPUs under the
    /// default device), throws halfway, and the half-built context's finalizer killed the process (exit 134).
    /// </summary>
    [SkippableFact]
    public void Train_InADeletedWorkingDirectory_OneLineErrorInsteadOfACrash()
    {
        Skip.IfNot(File.Exists("/bin/sh"), "needs /bin/sh to start a process inside a deleted folder");
        string gone = _cli.PathOf("gone");
        Directory.CreateDirectory(gone);
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("""cd "$1" && rmdir "$1" && exec "$2" "$3" train --epochs 1 --limit 64 --batch 32 --test-limit 64 --no-plots --data "$4" --out "$5" """);
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(gone);
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RevNet.Cli.dll"));
        info.ArgumentList.Add(CliHarness.DataFolder);
        info.ArgumentList.Add(_cli.PathOf("run"));
        info.Environment.Remove("REVNET_DEVICE");
        info.Environment["TERM"] = "dumb";
        var output = new System.Text.StringBuilder();
        var error = new System.Text.StringBuilder();
        using Process process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => error.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(180_000))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("the app did not exit within 3 minutes");
        }

        process.WaitForExit();
        var result = new CliResult(process.ExitCode, output.ToString(), error.ToString());
        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("working directory no longer exists").And.Contain("cd to an existing folder");
    }
}
