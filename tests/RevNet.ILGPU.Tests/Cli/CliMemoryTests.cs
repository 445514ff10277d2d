using System.Text.Json;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>The <c>memory</c> and <c>audit</c> commands.</summary>
[Collection("Cli")]
public sealed class CliMemoryTests : IDisposable
{
    private static readonly string[] DocumentedFields =
        ["model", "depth", "mode", "batch", "activationPeakBytes", "totalPeakBytes", "forwardMs", "backwardMs", "stepMs"];

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
    public void Audit_SmallRevNet_PassesAndPrintsTheTables()
    {
        CliResult result = CliHarness.Run("audit", "--model", "revnet-small", "--batch", "4", "--device", "host");

        result.ShouldSucceed();
        result.Output.Should().Contain("PASS").And.Contain("all parameters").And.Contain("activation peak");
        result.Output.Should().Contain("stage2.unit1", "each reversible block's reconstruction error is listed");
    }
}
