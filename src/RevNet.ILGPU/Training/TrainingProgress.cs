namespace RevNet.ILGPU.Training;

/// <summary>What a progress event reports.</summary>
public enum ProgressKind
{
    /// <summary>A training step finished.</summary>
    Step,

    /// <summary>An epoch finished, and its evaluation with it; <see cref="TrainingProgress.Metrics"/> is set.</summary>
    EpochCompleted,
}

/// <summary>A snapshot raised by <see cref="Trainer.Progress"/> after every step and every epoch, for live display.</summary>
public sealed record TrainingProgress
{
    /// <summary>What happened.</summary>
    public ProgressKind Kind { get; init; }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>The epochs of the run.</summary>
    public int Epochs { get; init; }

    /// <summary>Batches done in this epoch (including skipped ones).</summary>
    public int Step { get; init; }

    /// <summary>Batches per epoch.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>Training steps since the run began (over all epochs, resumed runs included).</summary>
    public long GlobalStep { get; init; }

    /// <summary>This batch's loss (NaN possible when the batch was skipped).</summary>
    public float Loss { get; init; }

    /// <summary>The mean loss of the epoch so far.</summary>
    public double EpochLoss { get; init; }

    /// <summary>The training accuracy of the epoch so far.</summary>
    public double EpochAccuracy { get; init; }

    /// <summary>Training images per second in this epoch so far.</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>The learning rate of this step.</summary>
    public float LearningRate { get; init; }

    /// <summary>Bytes the device pool has in use now.</summary>
    public long InUseBytes { get; init; }

    /// <summary>The pool's peak bytes in use.</summary>
    public long PeakInUseBytes { get; init; }

    /// <summary>Batches skipped so far in the run.</summary>
    public long SkippedBatches { get; init; }

    /// <summary>The finished epoch's metrics (only for <see cref="ProgressKind.EpochCompleted"/>).</summary>
    public EpochMetrics? Metrics { get; init; }
}
