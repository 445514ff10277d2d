namespace RevNet.ILGPU.Distributed;

/// <summary>Options of <see cref="DataParallel"/>.</summary>
public sealed record DataParallelOptions
{
    /// <summary>
    /// Gradient bytes per all-reduce bucket (default 256 KiB). Smaller buckets start sooner during the backward; larger
    /// ones have less per-message overhead.
    /// </summary>
    public int BucketBytes { get; init; } = 256 << 10;

    /// <summary>Start each bucket's all-reduce during the backward (default true); false reduces all after it.</summary>
    public bool Overlap { get; init; } = true;

    /// <summary>Copy rank 0's parameters and buffers to every rank when the wrapper is created (default true).</summary>
    public bool BroadcastInitialState { get; init; } = true;

    /// <summary>
    /// Synchronised batch norm (default false: each process normalises with its own shard's statistics): every
    /// <see cref="Layers.BatchNorm2d"/> of the model uses the global batch's statistics, all-reduced once per training
    /// forward (never in a recompute) and once per backward; see <see cref="BatchNormSynchronizer"/>.
    /// </summary>
    public bool SyncBatchNorm { get; init; }
}
