namespace RevNet.ILGPU.Training;

/// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
public sealed record TrainingResult
{
    /// <summary>Every finished epoch (resumed runs include the epochs before the resume).</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    /// <summary>Whether every requested epoch finished (false when stopped by a step limit or cancellation).</summary>
    public bool Completed { get; init; }

    /// <summary>The last epoch's test accuracy, or null without a test set or a finished epoch.</summary>
    public double? TestAccuracy => History.Count > 0 ? History[^1].TestAccuracy : null;

    /// <summary>Training steps since the run began.</summary>
    public long GlobalStep { get; init; }

    /// <summary>Batches skipped because of a NaN or infinite loss, over the run.</summary>
    public long SkippedBatches { get; init; }

    /// <summary>Seconds of training and evaluation over the run (resumed runs included).</summary>
    public double Seconds { get; init; }

    /// <summary>The device pool's peak bytes in use at the end.</summary>
    public long PeakInUseBytes { get; init; }

    /// <summary>The device pool's peak bytes per memory category at the end.</summary>
    public IReadOnlyDictionary<string, long> PeakBytesByCategory { get; init; } = new Dictionary<string, long>();
}
