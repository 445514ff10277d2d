using System.Diagnostics;
using RevNet.ILGPU.Tests.Cli;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Distributed;

/// <summary><c>mpirun -np 2 dotnet RevNet.Cli.dll train ...</c> on a few hundred bundled images (skipped without mpirun).</summary>
[Collection("Cli")]
public sealed class CliMpiTests : IDisposable
{
    private readonly CliHarness _cli = new();

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "RevNet.Cli.dll");

    public void Dispose() => _cli.Dispose();

    [SkippableFact]
    public void Train_under_mpirun_prints_and_writes_once_and_its_checkpoint_resumes_in_one_process()
    {
        MpiRun.SkipIfUnavailable();
        string checkpoint = _cli.PathOf("ck.bin");
        string report = _cli.PathOf("report.json");
        string[] common = ["train", "--data", CliHarness.DataFolder, "--limit", "256", "--test-limit", "64", "--batch", "32", "--device", "host", "--no-plots"];
        (int code, string output) = MpiRun.Run(2, CliDll, [.. common, "--epochs", "1", "--checkpoint", checkpoint, "--report", report, "--out", _cli.PathOf("run")], 180);

        code.Should().Be(0, output);
        output.Split("Run folder:").Length.Should().Be(2, "only rank 0 prints: {0}", output);
        output.Should().Contain("Data-parallel over 2 processes").And.Contain("Gradient all-reduce:");
        File.Exists(report).Should().BeTrue();
        Checkpoint.Load(checkpoint).Epoch.Should().Be(1);

        // A checkpoint written at np=2 resumes at np=1: the loader position and batch size are the global ones.
        CliResult resumed = CliHarness.Run([.. common, "--epochs", "2", "--resume", checkpoint, "--out", _cli.PathOf("run1")]);
        resumed.ShouldSucceed();
        resumed.Output.Should().Contain("Resumed from").And.Contain("epoch 1");
    }

    [SkippableFact]
    public void Every_rank_writes_its_own_log_with_sync_bn_while_rank_0_alone_prints()
    {
        MpiRun.SkipIfUnavailable();
        string logs = _cli.PathOf("logs");
        (int code, string output) = MpiRun.Run(
            2,
            CliDll,
            ["train", "--data", CliHarness.DataFolder, "--limit", "128", "--test-limit", "64", "--batch", "32", "--device", "host", "--no-plots",
                "--epochs", "1", "--sync-bn", "--collective-timeout", "120", "--rank-log", logs, "--out", _cli.PathOf("run")],
            180);

        code.Should().Be(0, output);
        output.Split("Data-parallel over 2 processes").Length.Should().Be(2, "only rank 0 prints: {0}", output);
        output.Should().Contain("batch norm synchronised over the processes");
        for (int rank = 0; rank < 2; rank++)
        {
            string log = File.ReadAllText(Path.Combine(logs, $"rank{rank}.log"));
            string[] lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Should().OnlyContain(l => l.Contains($" rank {rank}/2 ", StringComparison.Ordinal), log);
            lines.Count(l => l.Contains(" step ", StringComparison.Ordinal)).Should().Be(4, "128 images in batches of 32: {0}", log);
            log.Should().Contain("shard 16 of each batch of 32, sync BN on").And.Contain("epoch 1 done:");
            lines[^1].Should().EndWith("finished with exit code 0");
        }
    }

    [SkippableFact]
    public void A_rank_that_fails_brings_every_rank_down_with_its_reason_in_one_line()
    {
        MpiRun.SkipIfUnavailable();
        var watch = Stopwatch.StartNew();
        (int code, string output) = MpiRun.Run(
            2, CliDll, ["train", "--data", CliHarness.DataFolder, "--limit", "64", "--batch", "1", "--device", "host", "--no-plots"], 60);
        code.Should().NotBe(0);
        output.Should().MatchRegex("error: rank [01] of 2 failed: .*--batch 1 is smaller than the 2 processes");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "an abort, not a hang");
    }
}
