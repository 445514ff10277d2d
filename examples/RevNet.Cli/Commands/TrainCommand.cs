using System.CommandLine;
using RevNet.Cli.Training;

namespace RevNet.Cli.Commands;

/// <summary><c>train</c>: trains a model on Fashion-MNIST (or any MNIST-layout folder) with live progress.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var model = CliOptions.Model(TrainSettings.DefaultModel);
        var epochs = CliOptions.Int("--epochs", "Epochs to train (counted from the start of the run when resuming).", TrainSettings.DefaultEpochs, 1);
        var batch = CliOptions.Int("--batch", "Training batch size.", TrainSettings.DefaultBatch, 1);
        var lr = CliOptions.PositiveFloat("--lr", $"Peak learning rate of the cosine schedule (default {TrainSettings.DefaultSgdLearningRate} for sgd, {TrainSettings.DefaultAdamLearningRate} for adam).");
        var weightDecay = CliOptions.NonNegativeFloat("--weight-decay", $"L2 weight decay (default {TrainSettings.DefaultSgdWeightDecay} for sgd, 0 for adam).");
        var optimizer = CliOptions.Choice("--optimizer", $"Optimizer: SGD with momentum {TrainSettings.Momentum}, or Adam", "sgd", "sgd", "adam");
        var mode = CliOptions.OptionalChoice("--mode", "Activation mode (default: reconstruct for RevNets, store for ResNets)", "store", "reconstruct");
        var warmup = CliOptions.Int("--warmup", "Linear warm-up steps before the cosine decay.", 0, 0);
        var augment = new Option<bool>("--augment") { Description = "Random crop (padding 2) and horizontal flip of the training images." };
        var seed = CliOptions.Int("--seed", "Seed of the weights, the shuffle and the augmentation.", 0, 0);
        var device = CliOptions.Device();
        var data = CliOptions.Data();
        var limit = CliOptions.OptionalInt("--limit", "Train on the first N training images only (quick runs).", 1);
        var testLimit = CliOptions.OptionalInt("--test-limit", "Evaluate on the first N test images only.", 1);
        var checkpoint = CliOptions.File("--checkpoint", "Save a checkpoint to FILE after every epoch (atomically) and on Ctrl+C.");
        var resume = CliOptions.File("--resume", "Resume from a checkpoint FILE (same model, batch size and optimizer).");
        var report = CliOptions.File("--report", "Write the run's summary as JSON to FILE.");
        var output = CliOptions.File("--out", "Folder for the plots and a copy of the report (default runs/<timestamp>).");
        var noPlots = new Option<bool>("--no-plots") { Description = "Write no PNG plots (and skip the quick memory pass)." };
        var memoryRows = CliOptions.File("--memory-rows", "JSON rows from 'memory --json' for the memory-against-depth plot (default: a quick pass).");
        var memoryBatch = CliOptions.Int("--memory-batch", "Batch size of the quick memory pass behind the memory plot.", 8, 1);
        var syncBn = new Option<bool>("--sync-bn") { Description = "Under mpirun: batch norm uses the statistics of the whole global batch (all-reduced), not each process's shard." };
        var rankLog = CliOptions.File("--rank-log", "Every process writes its own log DIR/rank<R>.log (rank 0 still prints progress).");
        var memoryBudget = CliOptions.Bytes(
            "--memory-budget",
            "Refuse up front, naming the largest batch that fits, a run whose planned step needs more than SIZE (e.g. 2GiB); the pool is capped at it.");
        var profile = new Option<bool>("--profile") { Description = "Profile the second training step and print where its time goes (per op and per layer) after the summary." };
        var collectiveTimeout = CliOptions.PositiveFloat("--collective-timeout", "Under mpirun: seconds a collective waits for the other processes before every process is aborted (default 300, or REVNET_COLLECTIVE_TIMEOUT).");

        var command = new Command(
            "train",
            "Train a model (default: a small RevNet on the bundled Fashion-MNIST) with live progress, a summary table and plots.");
        foreach (Option o in new Option[]
        {
            model, epochs, batch, lr, weightDecay, optimizer, mode, warmup, augment, seed, device, data, limit, testLimit,
            checkpoint, resume, report, output, noPlots, memoryRows, memoryBatch, syncBn, rankLog, collectiveTimeout, memoryBudget, profile,
        })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => TrainRun.Execute(
            new TrainSettings
            {
                Model = parse.GetValue(model)!.Trim().ToLowerInvariant(),
                Epochs = parse.GetValue(epochs),
                Batch = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                Optimizer = parse.GetValue(optimizer)!.ToLowerInvariant(),
                Mode = parse.GetValue(mode)?.ToLowerInvariant(),
                WarmupSteps = parse.GetValue(warmup),
                Augment = parse.GetValue(augment),
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                Data = parse.GetValue(data),
                Limit = parse.GetValue(limit),
                TestLimit = parse.GetValue(testLimit),
                Checkpoint = parse.GetValue(checkpoint),
                Resume = parse.GetValue(resume),
                Report = parse.GetValue(report),
                OutputDirectory = parse.GetValue(output),
                NoPlots = parse.GetValue(noPlots),
                MemoryRows = parse.GetValue(memoryRows),
                MemoryBatch = parse.GetValue(memoryBatch),
                SyncBatchNorm = parse.GetValue(syncBn),
                RankLog = parse.GetValue(rankLog),
                CollectiveTimeout = parse.GetValue(collectiveTimeout),
                Profile = parse.GetValue(profile),
                MemoryBudget = parse.GetValue(memoryBudget) is { } size ? Units.ParseBytes(size) : null,
            },
            context));
        return command;
    }
}
