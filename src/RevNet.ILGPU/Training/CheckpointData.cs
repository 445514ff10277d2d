using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Everything a checkpoint holds: the architecture id, every parameter and buffer, the optimizer state, the
/// trainer's counters and random state, and the data loader's position. Written and read by <see cref="Checkpoint"/>.
/// </summary>
public sealed record CheckpointData
{
    /// <summary>The model's architecture id.</summary>
    public string ArchitectureId { get; init; } = string.Empty;

    /// <summary>Finished epochs (the epoch in progress, 0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>Training steps taken.</summary>
    public long GlobalStep { get; init; }

    /// <summary>The running sums of the epoch in progress.</summary>
    public EpochCounters Counters { get; init; } = new();

    /// <summary>Seconds of training and evaluation before the checkpoint.</summary>
    public double TotalSeconds { get; init; }

    /// <summary>Batches skipped over the run.</summary>
    public long SkippedBatches { get; init; }

    /// <summary>The trainer's random state (<see cref="DeterministicRandom.GetState"/>).</summary>
    public IReadOnlyList<ulong> RandomState { get; init; } = [];

    /// <summary>The training loader's position.</summary>
    public LoaderPosition Loader { get; init; }

    /// <summary>Trainable parameters, in model order.</summary>
    public IReadOnlyList<NamedArray> Parameters { get; init; } = [];

    /// <summary>Non-trainable buffers (BN running statistics), in model order.</summary>
    public IReadOnlyList<NamedArray> Buffers { get; init; } = [];

    /// <summary>The optimizer's state, or null when saved without one.</summary>
    public OptimizerState? Optimizer { get; init; }

    /// <summary>The finished epochs' metrics, as JSON.</summary>
    public string HistoryJson { get; init; } = "[]";
}
