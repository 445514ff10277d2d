using RevNet.Cli;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>The informational commands: <c>models</c>, <c>devices</c>, <c>--help</c>.</summary>
[Collection("Cli")]
public sealed class CliInfoTests
{
    private static readonly string[] PaperModels = ["revnet38", "revnet110", "revnet164", "resnet32", "resnet110", "resnet164"];

    [Fact]
    public void Models_Default_PrintsTheSixCifarModelsWithTheirParameterCounts()
    {
        CliResult result = CliHarness.Run("models");

        result.ShouldSucceed();
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        string[] lines = result.Output.Split('\n');
        foreach (string name in PaperModels)
        {
            long parameters;
            using (Model model = ModelZoo.Create(name, device, ModelOptions.Cifar10))
            {
                parameters = model.ParameterCount;
            }

            string row = lines.Single(l => l.Contains($" {name} ", StringComparison.Ordinal));
            row.Should().Contain(parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            row.Should().Contain($" {ModelZoo.Spec(name).Depth} ");
        }

        result.Output.Should().NotContain("-small", "the small variants are listed only with --all");
    }

    [Fact]
    public void Models_All_AlsoListsTheSmallVariants()
    {
        CliResult result = CliHarness.Run("models", "--all");

        result.ShouldSucceed();
        result.Output.Should().Contain("revnet-small").And.Contain("resnet-small");
    }

    [Fact]
    public void Devices_Always_ListsHostAsAvailable()
    {
        CliResult result = CliHarness.Run("devices");

        result.ShouldSucceed();
        string host = result.Output.Split('\n').Single(l => l.Contains("Host", StringComparison.Ordinal) && l.Contains("yes", StringComparison.Ordinal));
        host.Should().Contain("CPU");
        result.Output.Should().Contain("Cuda").And.Contain("OpenCL").And.Contain("IlgpuCpu");
    }

    [Fact]
    public void Help_ListsEveryCommand()
    {
        CliResult result = CliHarness.Run("--help");

        result.ExitCode.Should().Be(ExitCodes.Success);
        foreach (string command in new[] { "train", "eval", "models", "memory", "audit", "devices" })
        {
            result.Output.Should().Contain(command);
        }
    }
}
