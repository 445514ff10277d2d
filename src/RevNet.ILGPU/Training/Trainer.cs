using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Trains a classifier: for each batch, forward (training mode) → softmax cross-entropy → backward → optimizer step;
/// after each epoch, evaluation in eval mode; metrics, progress events and checkpoints along the way.
/// </summary>
/// <remarks>
/// The trainer runs on the caller's thread, which must be the device's thread; only batch preparation runs in the
/// background (<see cref="BatchLoader"/>). A run resumed from a checkpoint (<see cref="LoadCheckpoint"/>) continues
/// bit-identically on deterministic backends: the same losses as an uninterrupted run.
/// </remarks>
public sealed class Trainer
{
    private static readonly JsonSerializerOptions HistoryJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    private readonly ComputeDevice _device;
    private readonly ILayer _model;
    private readonly IOptimizer _optimizer;
    private readonly TrainingStep _step;
    private readonly List<EpochMetrics> _history = [];
    private EpochCounters _counters = new();
    private double _previousSeconds;

    /// <summary>Creates a trainer.</summary>
    /// <param name="device">The device that holds the model.</param>
    /// <param name="model">The model; its output is [N, classes] (or [N, classes, 1, 1]).</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="options">The options; null for defaults.</param>
    public Trainer(ComputeDevice device, ILayer model, IOptimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        _device = device;
        _model = model;
        _optimizer = optimizer;
        Options = options ?? new TrainerOptions();
        _step = new TrainingStep(model, Options.Loss, optimizer);
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Epochs, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.CheckpointEverySteps, nameof(options));
        Random = new DeterministicRandom(DeterministicRandom.Mix((ulong)(uint)Options.Seed, 0x5452_4149_4E45_5221UL));
    }

    /// <summary>Raised after every step (when <see cref="TrainerOptions.ReportSteps"/>) and after every epoch.</summary>
    public event EventHandler<TrainingProgress>? Progress;

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The epoch in progress, 0-based (= finished epochs).</summary>
    public int Epoch { get; private set; }

    /// <summary>Training steps taken since the run began.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Batches skipped over the run (NaN/Inf loss with <see cref="NonFinitePolicy.SkipBatch"/>).</summary>
    public long SkippedBatches { get; private set; }

    /// <summary>The finished epochs' metrics.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>
    /// The trainer's own random stream (e.g. for dropout seeds); saved in checkpoints so a resumed run draws the same
    /// numbers.
    /// </summary>
    public DeterministicRandom Random { get; }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Epochs"/> epochs are done (or the step limit or cancellation), continuing
    /// from the current epoch and the loader's position.
    /// </summary>
    /// <param name="train">The training batches.</param>
    /// <param name="test">The evaluation batches after each epoch, or null.</param>
    /// <param name="cancellationToken">Stops between steps (the epoch is left unfinished; a checkpoint can resume it).</param>
    /// <returns>The history and totals.</returns>
    /// <exception cref="NonFiniteValueException">A loss (or checked gradient) is NaN or infinite under <see cref="NonFinitePolicy.Throw"/>.</exception>
    /// <exception cref="DeviceOutOfMemoryException">A step ran out of device memory; the exception gives the bytes
    /// asked for, the pool's state and <see cref="DeviceOutOfMemoryException.SuggestedMaxBatch"/> (the largest batch
    /// that fits, from a <see cref="MemoryModel"/> measured on the spot).</exception>
    public TrainingResult Fit(BatchLoader train, BatchLoader? test = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var total = Stopwatch.StartNew();
        bool stopped = false;
        try
        {
            while (Epoch < Options.Epochs && !stopped)
            {
                var epochWatch = Stopwatch.StartNew();
                double trainSecondsBefore = _counters.TrainSeconds;
                while (true)
                {
                    if ((Options.MaxSteps is long max && GlobalStep >= max) || cancellationToken.IsCancellationRequested)
                    {
                        stopped = true;
                        break;
                    }

                    HostBatch? batch = train.Next();
                    if (batch is null)
                    {
                        break;
                    }

                    float loss;
                    try
                    {
                        loss = TrainStep(batch);
                    }
                    catch (DeviceOutOfMemoryException ex) when (ex.SuggestedMaxBatch is null)
                    {
                        throw MemoryModel.WithSuggestedBatch(
                            ex, _model, batch.Shape, _optimizer is Optimizer o ? o.PendingStateBytes(_model.Parameters) : 0);
                    }

                    _counters = _counters with { TrainSeconds = trainSecondsBefore + epochWatch.Elapsed.TotalSeconds };
                    if (Options.ReportSteps)
                    {
                        Raise(ProgressKind.Step, train.BatchesPerEpoch, loss, null);
                    }

                    if (Options.CheckpointPath is not null && Options.CheckpointEverySteps > 0 && GlobalStep % Options.CheckpointEverySteps == 0)
                    {
                        SaveCheckpoint(Options.CheckpointPath, train, total.Elapsed.TotalSeconds);
                    }
                }

                if (stopped)
                {
                    break;
                }

                EvaluationResult? eval = test is null ? null : Evaluate(test);
                EpochCounters c = _counters;
                var metrics = new EpochMetrics
                {
                    Epoch = Epoch + 1,
                    TrainLoss = c.Seen > 0 ? c.LossSum / c.Seen : double.NaN,
                    TrainAccuracy = c.Seen > 0 ? (double)c.Correct / c.Seen : double.NaN,
                    TestLoss = eval?.Loss,
                    TestAccuracy = eval?.Accuracy,
                    LearningRate = c.LearningRate,
                    Steps = c.Steps,
                    SkippedBatches = c.Skipped,
                    ImagesPerSecond = c.TrainSeconds > 0 ? c.Seen / c.TrainSeconds : 0,
                    TrainSeconds = c.TrainSeconds,
                    EvalSeconds = eval?.Seconds ?? 0,
                    PeakInUseBytes = _device.Pool.PeakInUseBytes,
                    PeakBytesByCategory = PeakBytes(_device.Pool),
                };
                _history.Add(metrics);
                Epoch++;
                _counters = new EpochCounters();
                Raise(ProgressKind.EpochCompleted, train.BatchesPerEpoch, float.NaN, metrics);
                if (Options.CheckpointPath is not null)
                {
                    SaveCheckpoint(Options.CheckpointPath, train, total.Elapsed.TotalSeconds);
                }
            }
        }
        finally
        {
            _previousSeconds += total.Elapsed.TotalSeconds;
        }

        return new TrainingResult
        {
            History = [.. _history],
            Completed = Epoch >= Options.Epochs,
            GlobalStep = GlobalStep,
            SkippedBatches = SkippedBatches,
            Seconds = _previousSeconds,
            PeakInUseBytes = _device.Pool.PeakInUseBytes,
            PeakBytesByCategory = PeakBytes(_device.Pool),
        };
    }

    /// <summary>Evaluates the model (eval mode, no updates) over one full pass of a loader.</summary>
    /// <param name="loader">The batches; rewound to the start of its current epoch first.</param>
    /// <returns>Mean loss and accuracy.</returns>
    public EvaluationResult Evaluate(BatchLoader loader) => Evaluate(_device, _model, loader, Options.Loss);

    /// <summary>Evaluates a model (eval mode, no updates) over one full pass of a loader, without a trainer.</summary>
    /// <param name="device">The device that holds the model.</param>
    /// <param name="model">The model; its output is [N, classes] (or [N, classes, 1, 1]).</param>
    /// <param name="loader">The batches; rewound to the start of its current epoch first.</param>
    /// <param name="loss">The loss to report (null: softmax cross-entropy).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Mean loss and accuracy.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static EvaluationResult Evaluate(
        ComputeDevice device, ILayer model, BatchLoader loader, ILoss? loss = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        var watch = Stopwatch.StartNew();
        loader.Rewind();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        while (loader.Next() is { } batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using Tensor x = batch.ToTensor(device);
            using Tensor logits = model.Forward(x, ForwardMode.Inference);
            TrainingStep.AsMatrix(logits, batch.Count);
            using Tensor dlogits = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);
            float batchLoss = (loss ?? SoftmaxCrossEntropyLoss.Instance).Compute(logits, batch.Labels.Span, dlogits);
            lossSum += (double)batchLoss * batch.Count;
            correct += TrainingStep.CountCorrect(logits, batch.Labels.Span);
            seen += batch.Count;
        }

        return new EvaluationResult(seen > 0 ? lossSum / seen : double.NaN, seen > 0 ? (double)correct / seen : double.NaN, seen, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Writes a checkpoint of the model, optimizer, trainer and training loader.</summary>
    /// <param name="path">The file (written atomically).</param>
    /// <param name="train">The training loader whose position is saved.</param>
    public void SaveCheckpoint(string path, BatchLoader train) => SaveCheckpoint(path, train, 0);

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint(string, BatchLoader)"/>: model weights and buffers,
    /// optimizer state, counters, random state and the loader's position. Everything is validated first.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="train">The training loader to reposition.</param>
    /// <returns>The checkpoint's contents.</returns>
    /// <exception cref="CheckpointException">The file is bad or does not fit this model, optimizer or loader.</exception>
    public CheckpointData LoadCheckpoint(string path, BatchLoader train)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckpointData data = Checkpoint.Load(path);
        Restore(data, train, path);
        return data;
    }

    /// <summary>Restores the training state from checkpoint contents (see <see cref="LoadCheckpoint"/>).</summary>
    /// <param name="data">The contents.</param>
    /// <param name="train">The training loader to reposition.</param>
    /// <param name="source">The file name for error messages.</param>
    /// <exception cref="CheckpointException">The contents do not fit this model, optimizer or loader.</exception>
    public void Restore(CheckpointData data, BatchLoader train, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(train);
        LoaderPosition p = data.Loader;
        if (p.BatchSize != train.BatchSize || p.SampleCount != train.Dataset.Count)
        {
            throw new CheckpointException(
                source, -1, $"it was saved with batch size {p.BatchSize} over {p.SampleCount} training images; this run has batch size {train.BatchSize} over {train.Dataset.Count}");
        }

        if (p.BatchIndex > train.BatchesPerEpoch)
        {
            throw new CheckpointException(source, -1, $"its loader position (batch {p.BatchIndex}) is past the {train.BatchesPerEpoch} batches per epoch");
        }

        long taken = data.GlobalStep + data.SkippedBatches;
        if (taken < (long)data.Epoch * train.BatchesPerEpoch || taken > ((long)data.Epoch + 1) * train.BatchesPerEpoch
            || data.Counters.Batches > train.BatchesPerEpoch)
        {
            throw new CheckpointException(
                source, -1, $"its counters are impossible for {train.BatchesPerEpoch} batches per epoch (epoch {data.Epoch}, "
                + $"{data.GlobalStep} steps, {data.SkippedBatches} skipped); the file was altered or written by another program");
        }

        if (data.Optimizer is null)
        {
            throw new CheckpointException(source, -1, "it holds no optimizer state (a weights-only checkpoint cannot resume training)");
        }

        if (data.Optimizer.Kind != _optimizer.Kind)
        {
            throw new CheckpointException(source, -1, $"it was saved with the '{data.Optimizer.Kind}' optimizer; this run uses '{_optimizer.Kind}'");
        }

        if (data.RandomState.Count != DeterministicRandom.StateLength || data.RandomState.All(w => w == 0))
        {
            throw new CheckpointException(source, -1, "its random state is invalid");
        }

        List<EpochMetrics> history;
        try
        {
            history = JsonSerializer.Deserialize<List<EpochMetrics>>(data.HistoryJson, HistoryJson) ?? [];
        }
        catch (JsonException ex)
        {
            throw new CheckpointException(source, -1, $"its history is not valid JSON ({ex.Message})", ex);
        }

        // Model: checks names and shapes of everything before copying anything.
        ModelState.Apply(data, _model, Options.ArchitectureId, source);
        try
        {
            _optimizer.ImportState(data.Optimizer, _model.Parameters);
        }
        catch (ArgumentException ex)
        {
            throw new CheckpointException(source, -1, $"its optimizer state does not fit the model ({ex.Message})", ex);
        }

        Random.SetState([.. data.RandomState]);
        train.Restore(p);
        Epoch = data.Epoch;
        GlobalStep = data.GlobalStep;
        SkippedBatches = data.SkippedBatches;
        _counters = data.Counters;
        _previousSeconds = data.TotalSeconds;
        _history.Clear();
        _history.AddRange(history);
    }

    private static Dictionary<string, long> PeakBytes(BufferPool pool)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (MemoryCategory c in Enum.GetValues<MemoryCategory>())
        {
            result[c.ToString()] = pool.PeakBytes(c);
        }

        return result;
    }

    private float TrainStep(HostBatch batch)
    {
        float lr = Options.Schedule?.GetLearningRate(GlobalStep) ?? _optimizer.LearningRate;
        _optimizer.LearningRate = lr;
        int stepInEpoch = _counters.Batches + 1;
        StepResult r;
        if (Options.GradientReducer is { } reducer)
        {
            r = ComputeShard(reducer, batch);
        }
        else
        {
            using Tensor x = batch.ToTensor(_device);
            r = _step.Compute(x, batch.Labels.Span);
        }

        if (!r.IsFinite)
        {
            if (Options.NonFiniteLoss == NonFinitePolicy.Throw)
            {
                throw new NonFiniteValueException(Epoch + 1, stepInEpoch, GlobalStep, "loss", r.Loss);
            }

            SkippedBatches++;
            _counters = _counters with { Batches = stepInEpoch, Skipped = _counters.Skipped + 1, LearningRate = lr };
            return r.Loss;
        }

        if (Options.CheckGradients)
        {
            CheckGradients(_model.Parameters, stepInEpoch);
        }

        _step.Update();
        GlobalStep++;
        _counters = _counters with
        {
            LossSum = _counters.LossSum + ((double)r.Loss * batch.Count),
            Correct = _counters.Correct + r.Correct,
            Seen = _counters.Seen + batch.Count,
            Steps = _counters.Steps + 1,
            Batches = stepInEpoch,
            LearningRate = lr,
        };
        return r.Loss;
    }

    /// <summary>Data-parallel step: this process's rows of the global batch, then gradients and metrics reduced.</summary>
    private StepResult ComputeShard(IGradientReducer reducer, HostBatch batch)
    {
        (int start, int count) = reducer.Shard(batch.Count);
        reducer.BeginStep(count, batch.Count);
        StepResult r;
        if (count > 0)
        {
            Shape s = batch.Shape;
            long per = s.ElementCount / batch.Count;
            int[] dims = [.. s.Dims];
            dims[0] = count;
            using Tensor x = _device.Pool.Rent(new Shape(dims), MemoryCategory.Workspace);
            x.CopyFrom(batch.Images.Span.Slice((int)(start * per), (int)(count * per)));
            r = _step.Compute(x, batch.Labels.Span.Slice(start, count));
        }
        else
        {
            _optimizer.ZeroGradients(_model.Parameters);
            r = new StepResult(0f, 0, 0, 0, 0, null);
        }

        // Every process reduces, also one whose loss was not finite (its gradients are zero), so the collectives match.
        reducer.ReduceGradients(_model.Parameters);
        (double lossSum, long correct) = reducer.ReduceMetrics(count > 0 ? (double)r.Loss * count : 0, r.Correct);
        return r with { Loss = (float)(lossSum / batch.Count), Correct = (int)correct };
    }

    private void CheckGradients(IReadOnlyList<Parameter> parameters, int stepInEpoch)
    {
        foreach (Parameter p in parameters)
        {
            if (p.Gradient is null)
            {
                continue;
            }

            foreach (float v in p.Gradient.ToArray())
            {
                if (!float.IsFinite(v))
                {
                    throw new NonFiniteValueException(Epoch + 1, stepInEpoch, GlobalStep, p.Name + ".grad", v);
                }
            }
        }
    }

    private void SaveCheckpoint(string path, BatchLoader train, double secondsThisFit)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(train);
        if (Options.GradientReducer is { IsPrimary: false })
        {
            return;
        }

        (IReadOnlyList<NamedArray> parameters, IReadOnlyList<NamedArray> buffers) = ModelState.Capture(_model);
        var data = new CheckpointData
        {
            ArchitectureId = Options.ArchitectureId,
            Epoch = Epoch,
            GlobalStep = GlobalStep,
            Counters = _counters,
            TotalSeconds = _previousSeconds + secondsThisFit,
            SkippedBatches = SkippedBatches,
            RandomState = Random.GetState(),
            Loader = train.Position,
            Parameters = parameters,
            Buffers = buffers,
            Optimizer = _optimizer.ExportState(),
            HistoryJson = JsonSerializer.Serialize(_history, HistoryJson),
        };
        Checkpoint.Save(path, data);
    }

    private void Raise(ProgressKind kind, int batchesPerEpoch, float loss, EpochMetrics? metrics)
    {
        EventHandler<TrainingProgress>? handler = Progress;
        if (handler is null)
        {
            return;
        }

        EpochCounters c = _counters;
        handler(this, new TrainingProgress
        {
            Kind = kind,
            Epoch = kind == ProgressKind.EpochCompleted ? Epoch : Epoch + 1,
            Epochs = Options.Epochs,
            Step = kind == ProgressKind.EpochCompleted ? batchesPerEpoch : c.Batches,
            StepsPerEpoch = batchesPerEpoch,
            GlobalStep = GlobalStep,
            Loss = loss,
            EpochLoss = metrics?.TrainLoss ?? (c.Seen > 0 ? c.LossSum / c.Seen : double.NaN),
            EpochAccuracy = metrics?.TrainAccuracy ?? (c.Seen > 0 ? (double)c.Correct / c.Seen : double.NaN),
            ImagesPerSecond = metrics?.ImagesPerSecond ?? (c.TrainSeconds > 0 ? c.Seen / c.TrainSeconds : 0),
            LearningRate = metrics?.LearningRate ?? c.LearningRate,
            InUseBytes = _device.Pool.InUseBytes,
            PeakInUseBytes = _device.Pool.PeakInUseBytes,
            SkippedBatches = SkippedBatches,
            Metrics = metrics,
        });
    }
}
