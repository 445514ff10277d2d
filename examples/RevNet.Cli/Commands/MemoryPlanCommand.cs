using System.CommandLine;
using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary>
/// <c>memory plan</c>: before training, the bytes a training step will hold per category at a batch size, whether that
/// fits a budget, and the largest batch that fits in each mode. Measured from two planned steps at small batches
/// (<see cref="MemoryModel.Measure"/>), not a full step at the asked batch.
/// </summary>
internal static class MemoryPlanCommand
{
    public static Command Create(CliContext context)
    {
        var model = CliOptions.Model("revnet110");
        var batch = CliOptions.Int("--batch", "The batch size to plan for.", 128, 1);
        var mode = CliOptions.Choice("--mode", "Activation mode to plan (both: store and reconstruct for RevNets)", "both", "both", "store", "reconstruct");
        var optimizer = CliOptions.Choice("--optimizer", "Optimizer whose state is counted", "sgd", "sgd", "adam");
        var budget = CliOptions.Bytes(
            "--budget",
            "Memory budget, e.g. 2GiB, 512MiB, 1.5GB or bytes (default: what the device can still give: held plus "
            + "available memory on Host, the container's limit honoured; the GPU's memory).");
        var device = CliOptions.Device();
        var command = new Command(
            "plan",
            "Say how much memory a training step will need at a batch size, and the largest batch that fits a budget, on "
            + "CIFAR shapes (3x32x32, 10 classes), without training.");
        command.Options.Add(model);
        command.Options.Add(batch);
        command.Options.Add(mode);
        command.Options.Add(optimizer);
        command.Options.Add(budget);
        command.Options.Add(device);
        command.SetAction(parse => Run(
            context,
            parse.GetValue(model)!.Trim().ToLowerInvariant(),
            parse.GetValue(batch),
            parse.GetValue(mode)!.ToLowerInvariant(),
            parse.GetValue(optimizer)!.ToLowerInvariant(),
            parse.GetValue(budget) is { } text ? Units.ParseBytes(text) : null,
            parse.GetValue(device)!));
        return command;
    }

    private static int Run(CliContext context, string modelName, int batch, string mode, string optimizer, long? budget, string deviceName)
    {
        using ComputeDevice device = ComputeDevice.Create(ComputeDevice.ParseKind(deviceName));
        bool reversible = ModelZoo.Spec(modelName).Reversible;
        ActivationMode[] modes = mode switch
        {
            "store" => [ActivationMode.Store],
            "reconstruct" when reversible => [ActivationMode.Reconstruct],
            "reconstruct" => throw new CliException($"{modelName} is not reversible: --mode reconstruct needs a RevNet."),
            _ => reversible ? [ActivationMode.Store, ActivationMode.Reconstruct] : [ActivationMode.Store],
        };
        using Model model = ModelZoo.Create(modelName, device, ModelOptions.Cifar10);
        long parameterBytes = model.Parameters.Sum(p => p.Value.ElementCount) * sizeof(float);
        long bufferBytes = model.Buffers.Sum(b => b.Value.ElementCount) * sizeof(float);
        using Optimizer state = optimizer == "adam" ? new Adam() : new Sgd(0.1f, momentum: 0.9f);
        long stateBytes = state.PendingStateBytes(model.Parameters);
        long limit = budget ?? device.Pool.CapacityBytes;
        long floor = parameterBytes + bufferBytes + parameterBytes + stateBytes;
        if (limit < floor)
        {
            throw new CliException(
                $"a budget of {Units.Mib(limit)} is below what {modelName} needs before any activation: {Units.Mib(floor)} "
                + "(parameters, buffers, gradients and optimizer state); the budget must be at least that.");
        }

        var table = new Table().Title(Markup.Escape(
            $"{modelName} training step on {device}, batch {batch}, {optimizer}; budget {Units.Mib(limit)}"))
            .AddColumns("mode", "parameters+buffers", "gradients", "optimizer state", "step (activations, workspace, input)", "total", "fits", "largest batch");
        foreach (ActivationMode m in modes)
        {
            model.Mode = m;
            context.Cancellation.ThrowIfCancellationRequested();
            MemoryModel fitted = MemoryModel.Measure(model, new Shape(3, 32, 32), stateBytes);
            device.Pool.Trim();
            long total = fitted.Estimate(batch);
            int largest = fitted.LargestBatch(limit);
            table.AddRow(
                m.ToString().ToLowerInvariant(),
                Units.Mib(parameterBytes + bufferBytes),
                Units.Mib(parameterBytes),
                Units.Mib(stateBytes),
                Units.Mib(total - floor),
                Units.Mib(total),
                total <= limit ? "yes" : "[red]no[/]",
                largest == int.MaxValue ? "any" : largest.ToString(CultureInfo.InvariantCulture));
        }

        context.Console.Write(table);
        context.Console.WriteLine("total: the bytes the pool will hold from the device during a step (planned arena, "
            + "parameters, gradients, optimizer state, input); measured from planned steps at batch 4 and 8.");
        return ExitCodes.Success;
    }
}
