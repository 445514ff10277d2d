namespace RevNet.ILGPU.Data;

/// <summary>
/// Where a <see cref="BatchLoader"/> stands: the next batch it will deliver, and everything that determines the
/// batches' contents. Saving and restoring it resumes the exact same stream of batches.
/// </summary>
/// <param name="Epoch">The epoch (0-based) of the next batch.</param>
/// <param name="BatchIndex">The index within the epoch of the next batch (equal to the batch count at an epoch's end).</param>
/// <param name="Seed">The loader's seed (shuffle and augmentation are derived from seed, epoch and batch index).</param>
/// <param name="BatchSize">The batch size, which must match on restore.</param>
/// <param name="SampleCount">The dataset's size, which must match on restore.</param>
public readonly record struct LoaderPosition(int Epoch, int BatchIndex, int Seed, int BatchSize, int SampleCount);
