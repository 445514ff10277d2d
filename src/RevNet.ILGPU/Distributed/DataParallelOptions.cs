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
}
