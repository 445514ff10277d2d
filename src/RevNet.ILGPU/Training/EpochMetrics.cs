namespace RevNet.ILGPU.Training;

/// <summary>What one epoch measured. Losses are means over images; accuracies are fractions in [0, 1].</summary>
public sealed record EpochMetrics
{
    /// <summary>The epoch number, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean training loss over the epoch's batches (weighted by batch size).</summary>
    public double TrainLoss { get; init; }

    /// <summary>Training accuracy (predictions made in training mode, before each step).</summary>
    public double TrainAccuracy { get; init; }

    /// <summary>Mean test loss, or null when no test set was given.</summary>
    public double? TestLoss { get; init; }

    /// <summary>Test accuracy, or null when no test set was given.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>The learning rate of the epoch's last step.</summary>
    public float LearningRate { get; init; }

    /// <summary>Training steps taken in the epoch (skipped batches excluded).</summary>
    public int Steps { get; init; }

    /// <summary>Batches skipped because their loss was NaN or infinite.</summary>
    public int SkippedBatches { get; init; }

    /// <summary>Training images per second (evaluation excluded).</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Seconds spent training in the epoch.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Seconds spent evaluating after the epoch.</summary>
    public double EvalSeconds { get; init; }

    /// <summary>The device pool's peak bytes in use (all categories together) by the end of the epoch.</summary>
    public long PeakInUseBytes { get; init; }

    /// <summary>The device pool's peak bytes per memory category by the end of the epoch.</summary>
    public IReadOnlyDictionary<string, long> PeakBytesByCategory { get; init; } = new Dictionary<string, long>();
}
