using System.Diagnostics;
using System.Globalization;
using RevNet.Cli.Commands;
using RevNet.Cli.Memory;
using RevNet.Cli.Plotting;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Distributed;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Spectre.Console;

namespace RevNet.Cli.Training;

/// <summary>The <c>train</c> command's work: data, model, optimizer, schedule, trainer, progress, report and plots.</summary>
internal static class TrainRun
{
    /// <summary>Images per evaluation batch (evaluation keeps no activations, so it can be larger).</summary>
    private const int EvalBatch = 256;

    public static int Execute(TrainSettings s, CliContext context)
    {
        // Under 'mpirun -np N' every rank trains its shard of each batch; rank 0 alone prints and writes files. A
        // failing rank takes every rank down at once (MPI_Abort) with its rank and reason, instead of a hang.
        Communicator world = Communicator.World;
        if (s.CollectiveTimeout is { } seconds)
        {
            world.CollectiveTimeout = TimeSpan.FromSeconds(seconds);
        }

        RankLog? log = null;
        if (world.Size == 1)
        {
            try
            {
                log = RankLog.Open(s.RankLog, world);
                return Finished(log, ExecuteRank(s, context, world, log));
            }
            catch (Exception ex) when (Failed(log, ex.Message))
            {
                throw; // Failed never catches: it logs, and CliApp reports the error as usual.
            }
            finally
            {
                log?.Dispose();
            }
        }

        try
        {
            log = RankLog.Open(s.RankLog, world);
            return Finished(log, ExecuteRank(s, world.IsRoot ? context : new CliContext(TextWriter.Null, context.Error, context.Cancellation), world, log));
        }
#pragma warning disable CA1031 // One rank's failure must end all ranks: reported, then MPI_Abort.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            string message = ErrorReport.Classify(ex, context.TrainingMode).Message;
            _ = Failed(log, message);
            context.Error.WriteLine($"error: rank {world.Rank} of {world.Size} failed: {ErrorReport.OneLine(message)}");
            world.Abort(ExitCodes.Failure);
            throw;
        }
        finally
        {
            log?.Dispose();
            world.Dispose();
        }
    }

    /// <summary>How far a checkpoint's run got, as counts: steps taken and epochs finished.</summary>
    public static string Progress(CheckpointData data) =>
        $"{data.GlobalStep} step(s) trained, {(data.Epoch == 0 ? "no epoch" : $"epoch {data.Epoch}")} finished";

    private static int Finished(RankLog? log, int exitCode)
    {
        log?.Line($"finished with exit code {exitCode}");
        return exitCode;
    }

    private static bool Failed(RankLog? log, string message)
    {
        log?.Line($"failed: {ErrorReport.OneLine(message)}");
        return false;
    }

    private static int ExecuteRank(TrainSettings s, CliContext context, Communicator world, RankLog? log)
    {
        var wall = Stopwatch.StartNew();
        string outputFolder = s.OutputDirectory
            ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        if (world.IsRoot)
        {
            OutputPaths.Probe(
                ("--checkpoint", s.Checkpoint, false),
                ("--report", s.Report, false),
                ("--out", outputFolder, true),
                ("--out (report.json)", Path.Combine(outputFolder, "report.json"), false));
        }

        string folder = DataLocator.Resolve(s.Data);
        Dataset train = DataLocator.Load(folder, train: true, s.Limit, context.Out);
        Dataset test = DataLocator.Load(folder, train: false, s.TestLimit, context.Out);

        if (train.Height != train.Width || train.Height % 4 != 0)
        {
            throw new CliException($"the images are {train.Height}x{train.Width}; the models need square images with a side divisible by 4.");
        }

        if (test.Channels != train.Channels || test.Height != train.Height || test.Width != train.Width)
        {
            throw new CliException(
                $"the test images are {test.Channels}x{test.Height}x{test.Width} but the training images {train.Channels}x{train.Height}x{train.Width}.");
        }

        if (s.Batch < world.Size)
        {
            throw new CliException($"--batch {s.Batch} is smaller than the {world.Size} processes; each needs at least one image per step.");
        }

        if (s.Batch > train.Count)
        {
            throw new CliException($"--batch {s.Batch} is larger than the {train.Count} training images.");
        }

        if (s.Resume is not null)
        {
            InputFiles.Require("the checkpoint to resume", s.Resume);
        }

        if (s.MemoryRows is not null && !s.NoPlots)
        {
            InputFiles.Require("the memory rows file", s.MemoryRows);
        }

        var modelOptions = new ModelOptions
        {
            InputChannels = train.Channels,
            ImageSize = train.Height,
            Classes = train.ClassCount,
            Seed = s.Seed,
        };
        Outcome? outcome = Train(s, context, train, test, folder, modelOptions, wall, world, log);
        if (outcome is null)
        {
            return ExitCodes.Cancelled;
        }

        if (!world.IsRoot)
        {
            return ExitCodes.Success;
        }

        // The training device is gone: the memory pass below measures on a fresh pool.
        if (s.Report is not null)
        {
            outcome.Report.Write(s.Report);
            context.Out.WriteLine($"Report written to {s.Report}.");
        }

        outcome.Report.Write(Path.Combine(outputFolder, "report.json"));
        if (!s.NoPlots)
        {
            WritePlots(context, s, outputFolder, outcome);
        }

        context.Out.WriteLine($"Run folder: {outputFolder}");
        return ExitCodes.Success;
    }

    /// <summary>Trains and prints the summary; null when cancelled (after saving the checkpoint, if any).</summary>
    private static Outcome? Train(
        TrainSettings s, CliContext context, Dataset train, Dataset test, string folder, ModelOptions modelOptions, Stopwatch wall,
        Communicator world, RankLog? log)
    {
        string architecture = ArchitectureId.For(s.Model, modelOptions);
        using ComputeDevice device = CliDevice.Create(s.Device);
        using Model model = ModelZoo.Create(s.Model, device, modelOptions);
        if (s.Mode is not null)
        {
            model.Mode = s.Mode == "store" ? ActivationMode.Store : ActivationMode.Reconstruct;
        }

        context.TrainingMode = model.Mode;

        float lr = s.EffectiveLearningRate;
        using IOptimizer optimizer = s.IsAdam
            ? new Adam(lr, weightDecay: s.EffectiveWeightDecay)
            : new Sgd(lr, TrainSettings.Momentum, s.EffectiveWeightDecay);
        using var trainLoader = new BatchLoader(train, s.Batch, new BatchLoaderOptions
        {
            Seed = s.Seed,
            Augmentation = s.Augment ? new Augmentation(CropPadding: 2, HorizontalFlip: true) : Augmentation.None,
        });
        using var testLoader = new BatchLoader(test, Math.Min(EvalBatch, test.Count), BatchLoaderOptions.Evaluation);
        long totalSteps = (long)s.Epochs * trainLoader.BatchesPerEpoch;
        LearningRateSchedule schedule = LearningRateSchedule.Cosine(lr, totalSteps).WithWarmup(Math.Min(s.WarmupSteps, totalSteps));
        using DataParallel? parallel = world.Size > 1
            ? new DataParallel(world, model, new DataParallelOptions { SyncBatchNorm = s.SyncBatchNorm })
            : null;
        var trainer = new Trainer(device, model, optimizer, new TrainerOptions
        {
            GradientReducer = parallel,
            Epochs = s.Epochs,
            Schedule = schedule,
            ArchitectureId = architecture,
            CheckpointPath = s.Checkpoint,
            Seed = s.Seed,
            ReportSteps = true,
        });
        if (s.Resume is not null)
        {
            CheckpointData resumed = trainer.LoadCheckpoint(s.Resume, trainLoader);
            log?.Line($"resumed from {s.Resume}: {Progress(resumed)}");
            context.Out.WriteLine($"Resumed from {s.Resume}: {Progress(resumed)}; continuing in epoch {resumed.Epoch + 1}.");
        }

        PlanMemory(context, s, device, model, optimizer, new Shape(train.Channels, train.Height, train.Width), world.Size);
        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Training {model.Name} ({Units.Count(model.ParameterCount)} parameters, {model.Mode}) on {device}: "
            + $"{train.Count} training / {test.Count} test images from {folder}; {s.Epochs} epoch(s) of {trainLoader.BatchesPerEpoch} "
            + $"steps, batch {s.Batch}, {optimizer}, {schedule}."));
        if (parallel is not null)
        {
            string norms = s.SyncBatchNorm ? "batch norm synchronised over the processes" : "batch norm per process";
            context.Out.WriteLine($"Data-parallel over {world.Size} processes: batch {s.Batch / world.Size} each, {parallel.BucketCount} gradient buckets, {norms}.");
        }

        if (log is not null)
        {
            log.Line($"training {model.Name} on {device}: shard {parallel?.Shard(s.Batch).Count ?? s.Batch} of each batch of {s.Batch}, sync BN {(s.SyncBatchNorm ? "on" : "off")}");
            log.Follow(trainer);
        }

        var steps = new List<StepPoint>();
        ProgressView view = ProgressView.Create(context);
        (int Epoch, int Step, double Correct) previous = (0, 0, 0);
        // --profile: the second step (the first after warm-up) runs under a profiler, from the report of the first
        // step to the next report; data loading in between counts as time outside ops.
        OpProfiler? profiler = s.Profile ? new OpProfiler() : null;
        IDisposable? profiling = null;
        int reports = 0;
        trainer.Progress += (_, p) =>
        {
            if (profiler is not null && p.Kind == ProgressKind.Step && ++reports <= 2)
            {
                profiling?.Dispose();
                profiling = reports == 1 ? profiler.Attach(device, model.Network) : null;
            }

            if (p.Kind == ProgressKind.Step && p.StepsPerEpoch > 0 && float.IsFinite(p.Loss))
            {
                // The trainer reports the epoch's running accuracy; batches are equal (the last partial one is
                // dropped), so this batch's accuracy is the change in running correct counts (in batches).
                double correct = p.EpochAccuracy * p.Step;
                bool follows = p.Epoch == previous.Epoch && p.Step == previous.Step + 1;
                double batchAccuracy = follows ? correct - previous.Correct : p.EpochAccuracy;
                previous = (p.Epoch, p.Step, correct);
                steps.Add(new StepPoint(p.Epoch - 1 + ((double)p.Step / p.StepsPerEpoch), p.Loss, batchAccuracy));
            }

            view.Update(p);
        };
        TrainingResult result = view.Run(() => trainer.Fit(trainLoader, testLoader, context.Cancellation));
        profiling?.Dispose();
        if (!result.Completed && context.Cancellation.IsCancellationRequested)
        {
            if (s.Checkpoint is not null)
            {
                trainer.SaveCheckpoint(s.Checkpoint, trainLoader);
                context.Error.WriteLine($"error: cancelled at epoch {trainer.Epoch + 1}; checkpoint saved to {s.Checkpoint} (continue with --resume {s.Checkpoint}).");
            }
            else
            {
                context.Error.WriteLine("error: cancelled; nothing saved (use --checkpoint FILE to keep progress).");
            }

            return null;
        }

        double wallSeconds = wall.Elapsed.TotalSeconds;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["architecture"] = architecture,
            ["mode"] = model.Mode.ToString(),
            ["optimizer"] = optimizer.ToString() ?? s.Optimizer,
            ["schedule"] = schedule.ToString() ?? "cosine",
            ["batch"] = s.Batch.ToString(CultureInfo.InvariantCulture),
            ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["augment"] = s.Augment ? "crop 2 + flip" : "none",
            ["trainImages"] = train.Count.ToString(CultureInfo.InvariantCulture),
            ["testImages"] = test.Count.ToString(CultureInfo.InvariantCulture),
            ["data"] = Path.GetFullPath(folder),
            ["wallSeconds"] = wallSeconds.ToString("F1", CultureInfo.InvariantCulture),
            ["processes"] = world.Size.ToString(CultureInfo.InvariantCulture),
        };
        if (parallel is not null)
        {
            parallel.MeasureBlockingAllReduce();
            OverlapStatistics o = parallel.Statistics;
            settings["allReduceMsPerStep"] = (o.CommunicationMilliseconds / Math.Max(1, o.Steps)).ToString("F2", CultureInfo.InvariantCulture);
            settings["allReduceHiddenFraction"] = o.HiddenFraction.ToString("F3", CultureInfo.InvariantCulture);
            context.Out.WriteLine($"Gradient all-reduce: {o}.");
            log?.Line($"gradient all-reduce: {o}");
        }

        RunReport report = RunReport.From(result, device, model.Name, model.ParameterCount, settings) with
        {
            ReservedPeakBytes = device.Pool.PeakAllocatedBytes,
            ProcessPeakBytes = ProcessMemory.PeakResidentBytes,
            DeviceMemoryBytes = ProcessMemory.DeviceUsedBytes(device),
        };
        PrintSummary(context.Console, report, result, wallSeconds);
        if (profiler is not null)
        {
            MemoryCommand.PrintProfile(context, $"Profile of training step 2 of {model.Name} ({model.Mode}), batch {s.Batch}", profiler);
        }

        return new Outcome(report, result, steps, $"{model.Name} ({model.Mode})", device.Kind);
    }

    /// <summary>
    /// Prints what a step will hold (measured from planned steps at batch 4 and 8) and, with a budget, refuses a run
    /// that will not fit before it starts, naming the largest batch that does; then caps the pool at the budget.
    /// </summary>
    private static void PlanMemory(
        CliContext context, TrainSettings s, ComputeDevice device, Model model, IOptimizer optimizer, Shape sample, int processes)
    {
        int shard = Math.Max(1, s.Batch / processes);
        long state = optimizer is Optimizer o ? o.PendingStateBytes(model.Parameters) : 0;
        MemoryModel plan = MemoryModel.Measure(model, sample, state);
        device.Pool.Trim();
        long need = plan.Estimate(shard);
        context.Out.WriteLine($"Planned step memory: {Units.Mib(need)} at batch {shard} ({Units.Mib(plan.FixedBytes)} fixed + "
            + $"{Units.Mib(plan.BytesPerSample)} per sample).");
        if (s.MemoryBudget is not long budget)
        {
            return;
        }

        if (need > budget)
        {
            int fits = plan.LargestBatch(budget);
            string advice = fits > 0
                ? $"the largest batch that fits is {fits}: run with --batch {fits}"
                    + (model.Mode == ActivationMode.Store && ModelZoo.Spec(s.Model).Reversible ? " (or --mode reconstruct)" : string.Empty)
                : "no batch fits: use a smaller --model or a larger --memory-budget";
            throw new CliException($"--memory-budget {Units.Mib(budget)} is too small for batch {s.Batch}: a step needs {Units.Mib(need)}; {advice}.");
        }

        device.Pool.LimitBytes = budget;
    }

    private static void PrintSummary(IAnsiConsole console, RunReport report, TrainingResult result, double wallSeconds)
    {
        var epochs = new Table().Title("Epochs").AddColumns(
            "epoch", "train loss", "train acc", "test loss", "test acc", "lr", "img/s", "train", "eval");
        foreach (EpochMetrics m in result.History)
        {
            epochs.AddRow(
                m.Epoch.ToString(CultureInfo.InvariantCulture),
                Units.Fixed(m.TrainLoss, 4),
                Units.Percent(m.TrainAccuracy),
                Units.Fixed(m.TestLoss ?? double.NaN, 4),
                Units.Percent(m.TestAccuracy),
                m.LearningRate.ToString("G3", CultureInfo.InvariantCulture),
                Units.Fixed(m.ImagesPerSecond, 0),
                Units.Seconds(m.TrainSeconds),
                Units.Seconds(m.EvalSeconds));
        }

        console.Write(epochs);
        var summary = new Table().Title("Summary").AddColumns("", "").HideHeaders();
        summary.AddRow("model", Markup.Escape($"{report.Model} ({Units.Count(report.ParameterCount)} parameters, {report.Settings.GetValueOrDefault("mode")})"));
        summary.AddRow("device", Markup.Escape(report.Device));
        summary.AddRow("test accuracy", "[bold]" + Units.Percent(report.TestAccuracy) + "[/]");
        summary.AddRow("epochs / steps", $"{report.Epochs} / {report.Steps}");
        summary.AddRow("training time", Units.Seconds(report.Seconds) + $" (wall clock with data loading: {Units.Seconds(wallSeconds)})");
        summary.AddRow("activation peak", Units.Mib(report.ActivationPeakBytes));
        summary.AddRow("total pool peak", Units.Mib(report.TotalPeakBytes) + $" (reserved {Units.Mib(report.ReservedPeakBytes)})");
        summary.AddRow(report.DeviceMemoryBytes is null ? "process peak RSS" : "device memory in use", Units.Mib(report.DeviceMemoryBytes ?? report.ProcessPeakBytes));
        foreach ((string category, long bytes) in report.PeakBytesByCategory)
        {
            summary.AddRow("  " + Markup.Escape(category), Units.Mib(bytes));
        }

        if (report.SkippedBatches > 0)
        {
            summary.AddRow("skipped batches", report.SkippedBatches.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(summary);
    }

    private static void WritePlots(CliContext context, TrainSettings s, string folder, Outcome outcome)
    {
        var written = new List<string>
        {
            Plots.Loss(folder, outcome.Result.History, outcome.Steps, outcome.Title),
            Plots.Accuracy(folder, outcome.Result.History, outcome.Steps, outcome.Title),
        };

        List<MemoryBenchmarkRow> rows;
        if (s.MemoryRows is not null)
        {
            rows = MemoryRows.Read(s.MemoryRows);
        }
        else
        {
            context.Out.WriteLine($"Measuring activation memory against depth (one step per model, batch {s.MemoryBatch}) for the memory plot ...");
            using ComputeDevice device = ComputeDevice.Create(outcome.Device);
            rows = MemoryRows.Measure(
                device, MemoryRows.Cases(ModelsCommand.PaperModels), s.MemoryBatch, 1, null, context.Cancellation);
            MemoryRows.Write(Path.Combine(folder, "memory.json"), rows);
            MemoryCommand.Print(
                context.Console,
                rows,
                $"Memory of one training step on {device}: 3x32x32 images, 10 classes, batch {s.MemoryBatch} (for step times run 'memory')",
                showTimes: false);
        }

        if (rows.Count > 0)
        {
            written.Add(Plots.MemoryAgainstDepth(folder, rows));
        }

        context.Out.WriteLine("Plots: " + string.Join(", ", written));
    }

    /// <summary>What a finished training run hands to the report and the plots.</summary>
    private sealed record Outcome(RunReport Report, TrainingResult Result, List<StepPoint> Steps, string Title, DeviceKind Device);
}
