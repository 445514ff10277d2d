using System.CommandLine;
using System.Globalization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Onnx;
using RevNet.ILGPU.Training;

namespace RevNet.Cli.Commands;

/// <summary><c>export</c>: writes a checkpoint's model as an ONNX file (eval-mode graph) for ONNX runtimes.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "The checkpoint FILE written by 'train --checkpoint'.",
            Required = true,
        };
        var onnx = new Option<string>("--onnx")
        {
            Description = "The ONNX FILE to write (replaced atomically; nothing is left behind on failure).",
            Required = true,
        };
        var model = new Option<string?>("--model")
        {
            Description = "The expected model; a checkpoint of another architecture is refused (default: the checkpoint's).",
        };
        var opset = CliOptions.Int(
            "--opset", $"ONNX opset ({OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}).", OnnxExportOptions.MinimumOpset,
            OnnxExportOptions.MinimumOpset);
        var noFold = new Option<bool>("--no-fold") { Description = "Keep batch-norms as BatchNormalization nodes instead of folding them into convolutions." };
        var classNames = new Option<string?>("--class-names")
        {
            Description = "Comma-separated class names for the metadata (default: Fashion-MNIST's for 1x28x28 models with 10 "
                + "classes, else the label numbers).",
        };
        var command = new Command("export", "Export a checkpoint as an ONNX model (eval mode, batch size free).");
        command.Options.Add(checkpoint);
        command.Options.Add(onnx);
        command.Options.Add(model);
        command.Options.Add(opset);
        command.Options.Add(noFold);
        command.Options.Add(classNames);
        command.SetAction(parse => Run(
            context,
            parse.GetValue(checkpoint)!,
            parse.GetValue(onnx)!,
            parse.GetValue(model)?.Trim().ToLowerInvariant(),
            parse.GetValue(opset),
            parse.GetValue(noFold),
            parse.GetValue(classNames)));
        return command;
    }

    private static int Run(
        CliContext context, string checkpointPath, string onnxPath, string? modelName, int opset, bool noFold, string? classNames)
    {
        InputFiles.Require("the checkpoint", checkpointPath);

        OutputPaths.Probe(("--onnx", onnxPath, false));
        if (Path.GetFullPath(onnxPath) == Path.GetFullPath(checkpointPath))
        {
            throw new CliException("--onnx names the checkpoint itself; give the ONNX file its own name.");
        }

        if (opset > OnnxExportOptions.MaximumOpset)
        {
            throw new CliException($"--opset {opset} is not supported; choose {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}.");
        }

        CheckpointData data = Checkpoint.Load(checkpointPath);
        (string Model, ModelOptions Options) saved = ArchitectureId.TryParse(data.ArchitectureId)
            ?? throw new CheckpointException(
                checkpointPath, -1, $"its architecture '{data.ArchitectureId}' was not written by this app, so its input shape is unknown");
        if (modelName is not null && modelName != saved.Model)
        {
            throw new CheckpointException(
                checkpointPath, -1, $"it holds a {saved.Model} ({data.ArchitectureId}), not a {modelName}; drop --model or pass another checkpoint");
        }

        ModelOptions options = saved.Options;
        IReadOnlyList<string> names = ClassNames(classNames, options);
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model net = ModelZoo.Create(saved.Model, device, options);
        ModelState.Apply(data, net, ArchitectureId.For(saved.Model, options), checkpointPath);
        try
        {
            net.ExportOnnx(onnxPath, new OnnxExportOptions { Opset = opset, FoldBatchNorm = !noFold, ClassNames = names });
        }
        catch (OnnxExportException ex)
        {
            throw new CliException(ex.Message, ex);
        }

        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"wrote {onnxPath} ({new FileInfo(onnxPath).Length:N0} bytes): {saved.Model}, input [N,{options.InputChannels},{options.ImageSize},"
            + $"{options.ImageSize}] float32 normalised as in training, output [N,{options.Classes}] logits, opset {opset}."));
        return ExitCodes.Success;
    }

    private static IReadOnlyList<string> ClassNames(string? option, ModelOptions options)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            string[] names = [.. option.Split(',').Select(n => n.Trim())];
            if (names.Length != options.Classes || names.Any(n => n.Length == 0))
            {
                throw new CliException(
                    $"--class-names has {names.Length} names (empty ones included) but the model has {options.Classes} classes; pass one non-empty name per class.");
            }

            return names;
        }

        return options is { InputChannels: 1, ImageSize: 28, Classes: 10 }
            ? FashionMnist.ClassNames
            : [.. Enumerable.Range(0, options.Classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    }
}
