namespace RevNet.Cli.Training;

/// <summary>Everything the <c>train</c> command was asked to do; the defaults are the README's main job.</summary>
internal sealed record TrainSettings
{
    /// <summary>
    /// Epochs of the default run: chosen so that <c>train</c> with no options finishes within 5 minutes on 2 CPU cores
    /// and reaches at least 88% test accuracy on Fashion-MNIST (measured, see the README).
    /// </summary>
    public const int DefaultEpochs = 2;

    /// <summary>The default model: the small RevNet for 28x28 images.</summary>
    public const string DefaultModel = "revnet-small";

    public const int DefaultBatch = 128;

    public const float DefaultSgdLearningRate = 0.1f;

    public const float DefaultAdamLearningRate = 1e-3f;

    public const float DefaultSgdWeightDecay = 5e-4f;

    public const float Momentum = 0.9f;

    public string Model { get; init; } = DefaultModel;

    public int Epochs { get; init; } = DefaultEpochs;

    public int Batch { get; init; } = DefaultBatch;

    /// <summary>The peak learning rate; null picks the optimizer's default.</summary>
    public float? LearningRate { get; init; }

    /// <summary>The weight decay; null picks the optimizer's default (5e-4 for SGD, 0 for Adam).</summary>
    public float? WeightDecay { get; init; }

    /// <summary><c>sgd</c> or <c>adam</c>.</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary><c>store</c>, <c>reconstruct</c>, or null for the model's own (Reconstruct for RevNets).</summary>
    public string? Mode { get; init; }

    /// <summary>Linear warm-up steps at the start of the cosine schedule.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>A memory budget in bytes (null: none): a configuration whose planned step does not fit is refused up
    /// front, and the pool is capped at it.</summary>
    public long? MemoryBudget { get; init; }

    /// <summary>Random crop (padding 2) and horizontal flip of training images.</summary>
    public bool Augment { get; init; }

    /// <summary>Profile the second step and print the per-op and per-layer tables after the summary.</summary>
    public bool Profile { get; init; }

    public int Seed { get; init; }

    public string Device { get; init; } = "auto";

    public string? Data { get; init; }

    /// <summary>Train on the first N training images only.</summary>
    public int? Limit { get; init; }

    /// <summary>Evaluate on the first N test images only.</summary>
    public int? TestLimit { get; init; }

    public string? Checkpoint { get; init; }

    public string? Resume { get; init; }

    public string? Report { get; init; }

    /// <summary>The folder for plots and the report copy; null: <c>runs/&lt;timestamp&gt;</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Skip the PNG plots (and the quick memory pass behind the memory plot).</summary>
    public bool NoPlots { get; init; }

    /// <summary>Rows written by <c>memory --json</c> for the memory-against-depth plot, instead of a quick pass.</summary>
    public string? MemoryRows { get; init; }

    /// <summary>The batch of the quick memory pass behind the memory plot.</summary>
    public int MemoryBatch { get; init; } = 8;

    /// <summary>Under mpirun: batch norm over the global batch (statistics all-reduced) instead of each process's shard.</summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>Folder where every process writes its own log (rank&lt;R&gt;.log); null: none.</summary>
    public string? RankLog { get; init; }

    /// <summary>Seconds a collective may wait for the other processes before all are aborted; null: the default.</summary>
    public double? CollectiveTimeout { get; init; }

    /// <summary>Effective learning rate.</summary>
    public float EffectiveLearningRate =>
        LearningRate ?? (IsAdam ? DefaultAdamLearningRate : DefaultSgdLearningRate);

    /// <summary>Effective weight decay.</summary>
    public float EffectiveWeightDecay => WeightDecay ?? (IsAdam ? 0f : DefaultSgdWeightDecay);

    public bool IsAdam => string.Equals(Optimizer, "adam", StringComparison.OrdinalIgnoreCase);
}
