using System.CommandLine;
using System.Globalization;
using RevNet.Cli.Training;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Training;

namespace RevNet.Cli.Commands;

/// <summary><c>eval</c>: loads a checkpoint written by <c>train</c> and evaluates it on the test split.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "The checkpoint FILE written by 'train --checkpoint'.",
            Required = true,
        };
        var model = new Option<string?>("--model")
        {
            Description = "The expected model; a checkpoint of another architecture is refused (default: the checkpoint's).",
        };
        var batch = CliOptions.Int("--batch", "Evaluation batch size.", 256, 1);
        var limit = CliOptions.OptionalInt("--limit", "Evaluate on the first N test images only.", 1);
        var device = CliOptions.Device();
        var data = CliOptions.Data();
        var command = new Command("eval", "Evaluate a checkpoint on the test set: accuracy and loss.");
        command.Options.Add(checkpoint);
        command.Options.Add(model);
        command.Options.Add(batch);
        command.Options.Add(limit);
        command.Options.Add(device);
        command.Options.Add(data);
        command.SetAction(parse => Run(
            context,
            parse.GetValue(checkpoint)!,
            parse.GetValue(model)?.Trim().ToLowerInvariant(),
            parse.GetValue(batch),
            parse.GetValue(limit),
            parse.GetValue(device)!,
            parse.GetValue(data)));
        return command;
    }

    private static int Run(
        CliContext context, string checkpointPath, string? modelName, int batch, int? limit, string deviceName, string? dataFolder)
    {
        InputFiles.Require("the checkpoint", checkpointPath);

        CheckpointData checkpoint = Checkpoint.Load(checkpointPath);
        (string Model, ModelOptions Options)? saved = ArchitectureId.TryParse(checkpoint.ArchitectureId);
        string folder = DataLocator.Resolve(dataFolder);
        Dataset test = DataLocator.Load(folder, train: false, limit, context.Out);

        var dataOptions = new ModelOptions { InputChannels = test.Channels, ImageSize = test.Height, Classes = test.ClassCount };
        string name = modelName ?? saved?.Model
            ?? throw new CheckpointException(
                checkpointPath, -1, $"its architecture '{checkpoint.ArchitectureId}' was not written by this app; pass --model");
        if (!ModelZoo.Names.Contains(name, StringComparer.Ordinal))
        {
            throw new CliException($"unknown model '{name}'; expected one of: {string.Join(", ", ModelZoo.Names)}.");
        }

        if (saved is { } s && s.Options != dataOptions)
        {
            throw new CliException(
                $"the checkpoint is for {s.Options.InputChannels}x{s.Options.ImageSize}x{s.Options.ImageSize} images and {s.Options.Classes} "
                + $"classes, but the test data in {folder} has {test.Channels}x{test.Height}x{test.Width} images and {test.ClassCount} classes.");
        }

        using ComputeDevice device = CliDevice.Create(deviceName);
        using Model model = ModelZoo.Create(name, device, dataOptions);
        ModelState.Apply(checkpoint, model, ArchitectureId.For(name, dataOptions), checkpointPath);
        using var loader = new BatchLoader(test, Math.Min(batch, test.Count), BatchLoaderOptions.Evaluation);
        EvaluationResult result = Trainer.Evaluate(device, model, loader, cancellationToken: context.Cancellation);
        long correct = (long)Math.Round(result.Accuracy * result.Count);
        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name} from {checkpointPath} ({TrainRun.Progress(checkpoint)}) on {device}:"));
        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"test accuracy {Units.Percent(result.Accuracy)} ({correct}/{result.Count}), test loss {result.Loss:F4}, "
            + $"{Units.Seconds(result.Seconds)} ({result.Count / Math.Max(result.Seconds, 1e-9):F0} img/s)"));
        return ExitCodes.Success;
    }
}
