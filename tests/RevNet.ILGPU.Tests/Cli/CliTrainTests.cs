using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RevNet.Cli;
using RevNet.Cli.Training;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary><c>train</c> and <c>eval</c> end to end on Host, on a few hundred bundled images.</summary>
[Collection("Cli")]
public sealed partial class CliTrainTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Train_Limit512OneEpochOnHost_WritesValidReportAndPlots()
    {
        string report = _cli.PathOf("report.json");
        string output = _cli.PathOf("run");
        string rows = _cli.PathOf("rows.json");
        File.WriteAllText(rows, """
            [
              { "model": "revnet38", "depth": 38, "mode": "reconstruct", "batch": 8, "activationPeakBytes": 1048576,
                "totalPeakBytes": 4194304, "forwardMs": 10, "backwardMs": 30, "stepMs": 41 },
              { "model": "resnet32", "depth": 32, "mode": "store", "batch": 8, "activationPeakBytes": 3145728,
                "totalPeakBytes": 6291456, "forwardMs": 8, "backwardMs": 16, "stepMs": 25 }
            ]
            """);

        CliResult result = CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "512", "--epochs", "1", "--test-limit", "128",
            "--device", "host", "--report", report, "--out", output, "--memory-rows", rows);

        result.ShouldSucceed();
        RunReport parsed = RunReport.Parse(File.ReadAllText(report));
        parsed.Epochs.Should().Be(1);
        parsed.Steps.Should().Be(512 / 128);
        parsed.TestAccuracy.Should().BeInRange(0, 1);
        parsed.Seconds.Should().BePositive();
        parsed.Device.Should().StartWith("Host");
        parsed.Model.Should().Be("revnet-small");
        parsed.ParameterCount.Should().Be(SmallRevNetParameters());
        parsed.ActivationPeakBytes.Should().BePositive();
        parsed.TotalPeakBytes.Should().BeGreaterThan(parsed.ActivationPeakBytes);
        parsed.History.Should().ContainSingle().Which.TestAccuracy.Should().Be(parsed.TestAccuracy);

        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(report)))
        {
            foreach (string field in new[] { "testAccuracy", "epochs", "seconds", "device", "model", "parameterCount", "activationPeakBytes", "totalPeakBytes" })
            {
                doc.RootElement.TryGetProperty(field, out _).Should().BeTrue($"the report has '{field}'");
            }
        }

        foreach (string png in new[] { "loss.png", "accuracy.png", "memory.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(output, png));
            bytes.Length.Should().BeGreaterThan(5000, $"{png} is a real image");
            bytes.AsSpan(0, 8).ToArray().Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
        }

        File.Exists(Path.Combine(output, "report.json")).Should().BeTrue();
        result.Output.Should().Contain("epoch 1/1 done").And.Contain("test accuracy");
        result.Output.Should().NotContain("\u001b[", "redirected output has no ANSI escape codes");
    }

    [Fact]
    public void Eval_CheckpointFromTrain_ReproducesTheReportedTestAccuracy()
    {
        string checkpoint = _cli.PathOf("model.ckpt");
        string report = _cli.PathOf("report.json");
        CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "128", "--batch", "64", "--epochs", "1", "--test-limit", "128",
            "--device", "host", "--checkpoint", checkpoint, "--report", report, "--no-plots", "--out", _cli.PathOf("run"),
            "--seed", "3").ShouldSucceed();
        double reported = RunReport.Parse(File.ReadAllText(report)).TestAccuracy!.Value;

        CliResult result = CliHarness.Run(
            "eval", "--checkpoint", checkpoint, "--data", CliHarness.DataFolder, "--limit", "128", "--device", "host");

        result.ShouldSucceed();
        Match m = CountPattern().Match(result.Output);
        m.Success.Should().BeTrue(result.Output);
        int correct = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int total = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        total.Should().Be(128);
        correct.Should().Be((int)Math.Round(reported * 128), "eval of the saved weights matches the trainer's evaluation");
    }

    [Fact]
    public void EvalAndResume_CheckpointOfAnotherArchitecture_PrintOneLine()
    {
        string checkpoint = _cli.PathOf("model.ckpt");
        CliHarness.Run(
            "train", "--data", CliHarness.DataFolder, "--limit", "64", "--batch", "64", "--epochs", "1", "--test-limit", "64",
            "--device", "host", "--checkpoint", checkpoint, "--no-plots", "--out", _cli.PathOf("run")).ShouldSucceed();

        CliResult eval = CliHarness.Run(
            "eval", "--checkpoint", checkpoint, "--model", "resnet-small", "--data", CliHarness.DataFolder, "--limit", "64", "--device", "host");
        CliResult resume = CliHarness.Run(
            "train", "--resume", checkpoint, "--model", "resnet-small", "--data", CliHarness.DataFolder, "--limit", "64",
            "--batch", "64", "--epochs", "2", "--device", "host", "--no-plots", "--out", _cli.PathOf("run2"));

        eval.ShouldBeOneLineError(ExitCodes.Failure);
        eval.Error.Should().Contain("revnet-small").And.Contain("resnet-small");
        resume.ShouldBeOneLineError(ExitCodes.Failure);
        resume.Error.Should().Contain("revnet-small");
    }

    [Fact]
    public void Train_Cancelled_SavesCheckpointThatResumes()
    {
        string checkpoint = _cli.PathOf("model.ckpt");
        string report = _cli.PathOf("report.json");
        string[] common =
        [
            "--data", CliHarness.DataFolder, "--limit", "128", "--batch", "64", "--epochs", "1", "--test-limit", "64",
            "--device", "host", "--checkpoint", checkpoint, "--no-plots", "--out", _cli.PathOf("run"),
        ];
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        CliResult stopped = CliHarness.Run(cancelled.Token, ["train", .. common]);
        CliResult resumed = CliHarness.Run(["train", .. common, "--resume", checkpoint, "--report", report]);

        stopped.ShouldBeOneLineError(ExitCodes.Cancelled);
        stopped.Error.Should().Contain(checkpoint);
        resumed.ShouldSucceed();
        resumed.Output.Should().Contain("Resumed from");
        RunReport parsed = RunReport.Parse(File.ReadAllText(report));
        parsed.Steps.Should().Be(128 / 64);
        parsed.Epochs.Should().Be(1);
    }

    private static long SmallRevNetParameters()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist);
        return model.ParameterCount;
    }

    [GeneratedRegex(@"test accuracy [\d.]+% \((\d+)/(\d+)\)")]
    private static partial Regex CountPattern();
}
