using System.CommandLine;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary><c>models</c>: the paper's RevNets and ResNets with their parameter counts for CIFAR shapes.</summary>
internal static class ModelsCommand
{
    /// <summary>The six models of the RevNet paper's CIFAR table.</summary>
    public static IReadOnlyList<string> PaperModels { get; } =
        ["revnet38", "revnet110", "revnet164", "resnet32", "resnet110", "resnet164"];

    public static Command Create(CliContext context)
    {
        var all = new Option<bool>("--all") { Description = "Also list the small variants meant for 28x28 images." };
        var command = new Command("models", "Print each model's architecture and parameter count for CIFAR shapes (3x32x32, 10 classes).");
        command.Options.Add(all);
        command.SetAction(parse => Run(context, parse.GetValue(all)));
        return command;
    }

    private static int Run(CliContext context, bool all)
    {
        IEnumerable<string> names = all ? ModelZoo.Names : PaperModels;
        var table = new Table()
            .AddColumns("model", "kind", "depth", "units", "widths", "parameters")
            .Title("Models for CIFAR shapes: 3x32x32 images, 10 classes");
        table.Columns[2].RightAligned();
        table.Columns[5].RightAligned();
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        foreach (string name in names)
        {
            ModelSpec spec = ModelZoo.Spec(name);
            long parameters;
            using (Model model = ModelZoo.Create(spec, device, ModelOptions.Cifar10))
            {
                parameters = model.ParameterCount;
            }

            string kind = (spec.Reversible ? "RevNet" : "ResNet") + (spec.Bottleneck ? ", bottleneck" : ", basic");
            table.AddRow(
                spec.Name,
                kind,
                spec.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join("-", spec.Units),
                string.Join("/", spec.Widths),
                Units.Count(parameters));
        }

        context.Console.Write(table);
        return ExitCodes.Success;
    }
}
