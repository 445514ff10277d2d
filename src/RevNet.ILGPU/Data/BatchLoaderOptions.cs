namespace RevNet.ILGPU.Data;

/// <summary>Options of a <see cref="BatchLoader"/>.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Training defaults: shuffled, last partial batch dropped, prefetched, no augmentation, seed 0.</summary>
    public static BatchLoaderOptions Training { get; } = new();

    /// <summary>Evaluation defaults: in order, every image (last batch may be partial), prefetched.</summary>
    public static BatchLoaderOptions Evaluation { get; } = new() { Shuffle = false, DropLast = false };

    /// <summary>Whether each epoch visits the images in a new seeded random order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The seed of the shuffle and the augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>Whether to drop the last batch when it would be smaller than the batch size.</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>The augmentation applied to every image.</summary>
    public Augmentation Augmentation { get; init; } = Augmentation.None;

    /// <summary>Whether to prepare the next batch on a background thread while the caller uses the current one.</summary>
    public bool Prefetch { get; init; } = true;
}
