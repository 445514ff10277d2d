using System.Diagnostics;
using RevNet.Cli;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>
/// Issue #14's classes on the CLI: culture-invariant numbers, output paths checked before any work, atomic writes.
/// Every case here fails in well under a second because nothing trains before the check.
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
}
