using System.Text.Json;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>The <c>memory</c> and <c>audit</c> commands.</summary>
[Collection("Cli")]
public sealed class CliMemoryTests : IDisposable
{
    private static readonly string[] DocumentedFields =
    [
        "model", "depth", "mode", "batch", "activationPeakBytes", "totalPeakBytes", "forwardMs", "backwardMs", "stepMs",
        "reservedPeakBytes", "processGrowthBytes", "inputPixels",
    ];

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Memory_RevNet38Json_WritesBothModesWithTheDocumentedFields()
    {
        string json = _cli.PathOf("rows.json");

        CliResult result = CliHarness.Run(
            "memory", "--models", "revnet38", "--batch", "8", "--steps", "1", "--device", "host", "--json", json);

        result.ShouldSucceed();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement[] rows = [.. doc.RootElement.EnumerateArray()];
        rows.Should().HaveCount(2);
        foreach (JsonElement row in rows)
        {
            row.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(DocumentedFields);
            row.GetProperty("model").GetString().Should().Be("revnet38");
            row.GetProperty("depth").GetInt32().Should().Be(38);
            row.GetProperty("batch").GetInt32().Should().Be(8);
            row.GetProperty("activationPeakBytes").GetInt64().Should().BePositive();
            row.GetProperty("totalPeakBytes").GetInt64().Should().BeGreaterThan(row.GetProperty("activationPeakBytes").GetInt64());
            row.GetProperty("reservedPeakBytes").GetInt64().Should().BeGreaterThanOrEqualTo(row.GetProperty("totalPeakBytes").GetInt64());
            row.GetProperty("processGrowthBytes").GetInt64().Should().BePositive("the steps' memory shows in the process's RSS");
            row.GetProperty("inputPixels").GetInt64().Should().Be(8 * 32 * 32);
            row.GetProperty("forwardMs").GetDouble().Should().BePositive();
            row.GetProperty("backwardMs").GetDouble().Should().BePositive();
            row.GetProperty("stepMs").GetDouble().Should().BeGreaterThanOrEqualTo(
                row.GetProperty("forwardMs").GetDouble() + row.GetProperty("backwardMs").GetDouble());
        }

        rows.Select(r => r.GetProperty("mode").GetString()).Should().Equal("store", "reconstruct");
        rows[1].GetProperty("activationPeakBytes").GetInt64().Should().BeLessThan(
            rows[0].GetProperty("activationPeakBytes").GetInt64() / 2, "reconstruct keeps no activations inside the stages");

        // The table: both rows, and the ratio beside its floor on the reconstruct row.
        string reconstructRow = result.Output.Split('\n').Single(l => l.Contains("reconstruct", StringComparison.Ordinal) && l.Contains("revnet38", StringComparison.Ordinal));
        reconstructRow.Should().MatchRegex(@"\d+\.\d\dx .*\d+\.\d\dx");
    }

    [Fact]
    public void Memory_Profile_PrintsTheOpAndLayerTablesOfTheRow()
    {
        CliResult result = CliHarness.Run(
            "memory", "--models", "revnet38", "--mode", "reconstruct", "--batch", "2", "--steps", "1", "--device", "host", "--profile");

        result.ShouldSucceed();
        string[] lines = result.Output.Split('\n');
        lines.Should().ContainSingle(l => l.StartsWith("Profile of one step: revnet38 reconstruct", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("Conv2dBackwardWeight", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("backward (rebuild)", StringComparison.Ordinal));
    }

    [Fact]
    public void MemoryPlan_BudgetAndModes_PrintsBothModesAndTheLargestBatch()
    {
        CliResult result = CliHarness.Run(
            "memory", "plan", "--model", "revnet38", "--batch", "64", "--budget", "64MiB", "--device", "host");

        result.ShouldSucceed();
        result.Output.Should().Contain("store").And.Contain("reconstruct").And.Contain("64.0 MiB");
        result.Output.Should().MatchRegex(@"reconstruct.*(yes|no).*\d+");
    }

    [Fact]
    public void MemoryPlan_BudgetBelowTheParameters_OneLineErrorNamingTheMinimum()
    {
        CliResult result = CliHarness.Run("memory", "plan", "--model", "revnet110", "--budget", "1MiB", "--device", "host");

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("budget of 1.0 MiB").And.Contain("must be at least");
    }

    [Fact]
    public void Train_MemoryBudgetTooSmall_RefusedUpFrontWithTheBatchThatFits()
    {
        CliResult result = CliHarness.Run(
            "train", "--model", "revnet-small", "--batch", "256", "--limit", "512", "--epochs", "1", "--device", "host",
            "--no-plots", "--memory-budget", "16MiB");

        result.ExitCode.Should().Be(1);
        result.Error.Should().MatchRegex(@"largest batch that fits is (\d+): run with --batch \1");
        result.Output.Should().Contain("Planned step memory");
    }

    [Fact]
    public void Audit_SmallRevNet_PassesAndPrintsTheTables()
    {
        CliResult result = CliHarness.Run("audit", "--model", "revnet-small", "--batch", "4", "--device", "host");

        result.ShouldSucceed();
        result.Output.Should().Contain("PASS").And.Contain("all parameters").And.Contain("activation peak");
        result.Output.Should().Contain("stage2.unit1", "each reversible block's reconstruction error is listed");
    }
}
