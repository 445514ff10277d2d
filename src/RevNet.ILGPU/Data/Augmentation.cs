namespace RevNet.ILGPU.Data;

/// <summary>
/// Seeded training-time augmentation: a random crop after zero padding (a shift by up to
/// <see cref="CropPadding"/> pixels, uncovered pixels black) and a random horizontal flip, as in the RevNet paper's
/// CIFAR pipeline.
/// </summary>
/// <param name="CropPadding">Pixels of zero padding on every side before cropping back to the image size; 0 = none.</param>
/// <param name="HorizontalFlip">Whether to mirror half of the images left–right.</param>
public sealed record Augmentation(int CropPadding = 0, bool HorizontalFlip = false)
{
    /// <summary>No augmentation.</summary>
    public static Augmentation None { get; } = new();

    /// <summary>Whether this changes any image.</summary>
    public bool IsIdentity => CropPadding == 0 && !HorizontalFlip;

    /// <summary>Augments one CHW image.</summary>
    /// <param name="source">The image (C · H · W values).</param>
    /// <param name="destination">Where to write the augmented image (same size; must not overlap the source).</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="zeroValue">Per channel, the value of a black pixel (it is not 0 once the data is normalised).</param>
    /// <param name="random">The random source (up to three draws per image).</param>
    /// <exception cref="ArgumentException">The sizes do not match.</exception>
    public void Apply(
        ReadOnlySpan<float> source, Span<float> destination, int channels, int height, int width,
        ReadOnlySpan<float> zeroValue, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(CropPadding);
        int plane = height * width;
        if (source.Length != channels * plane || destination.Length != source.Length || zeroValue.Length != channels)
        {
            throw new ArgumentException(
                $"Expected {channels}x{height}x{width} images and {channels} zero values, got {source.Length}, {destination.Length} and {zeroValue.Length}.",
                nameof(destination));
        }

        int p = CropPadding;
        int dy = p == 0 ? 0 : random.NextInt((2 * p) + 1) - p;
        int dx = p == 0 ? 0 : random.NextInt((2 * p) + 1) - p;
        bool flip = HorizontalFlip && random.NextInt(2) == 1;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> src = source.Slice(c * plane, plane);
            Span<float> dst = destination.Slice(c * plane, plane);
            float zero = zeroValue[c];
            for (int y = 0; y < height; y++)
            {
                int sy = y + dy;
                Span<float> row = dst.Slice(y * width, width);
                if ((uint)sy >= (uint)height)
                {
                    row.Fill(zero);
                    continue;
                }

                ReadOnlySpan<float> srcRow = src.Slice(sy * width, width);
                for (int x = 0; x < width; x++)
                {
                    int sx = (flip ? width - 1 - x : x) + dx;
                    row[x] = (uint)sx < (uint)width ? srcRow[sx] : zero;
                }
            }
        }
    }
}
