namespace RevNet.ILGPU.Data;

/// <summary>
/// Labelled images in host memory: <see cref="Images"/> is float32 NCHW (pixels scaled to [0, 1], or normalised),
/// <see cref="Labels"/> one class index per image.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a dataset from arrays it takes ownership of.</summary>
    /// <param name="images">Count · channels · height · width values, NCHW.</param>
    /// <param name="labels">One label per image, each in [0, classCount).</param>
    /// <param name="channels">Channels per image.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <exception cref="ArgumentException">The sizes do not agree or a label is out of range.</exception>
    public Dataset(float[] images, int[] labels, int channels, int height, int width, int classCount)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        long sample = (long)channels * height * width;
        if (sample > int.MaxValue || images.LongLength != sample * labels.Length)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} images of {channels}x{height}x{width} = {sample * labels.Length} values, got {images.Length}.",
                nameof(images));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"Label {labels[i]} at {i} is outside [0, {classCount}).", nameof(labels));
            }
        }

        Images = images;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassCount = classCount;
    }

    /// <summary>All images, NCHW.</summary>
    public float[] Images { get; }

    /// <summary>All labels.</summary>
    public int[] Labels { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Values per image: channels · height · width.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>The normalisation applied to <see cref="Images"/>, or null for raw [0, 1] pixels.</summary>
    public Normalization? Normalization { get; private set; }

    /// <summary>Builds a dataset from an IDX image file ([N, H, W] or [N, C, H, W]) and an IDX label file ([N]).</summary>
    /// <param name="images">The images.</param>
    /// <param name="labels">The labels.</param>
    /// <param name="classCount">The number of classes; every label must be below it.</param>
    /// <returns>The dataset, pixels scaled to [0, 1].</returns>
    /// <exception cref="DataFormatException">Wrong ranks, a count mismatch, or a label out of range.</exception>
    public static Dataset FromIdx(IdxFile images, IdxFile labels, int classCount = 10)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        IReadOnlyList<int> d = images.Dimensions;
        if (d.Count is not (3 or 4))
        {
            throw new DataFormatException(images.Path, 3, $"expected images of rank 3 [N, H, W] or 4 [N, C, H, W], got rank {d.Count}");
        }

        if (labels.Dimensions.Count != 1)
        {
            throw new DataFormatException(labels.Path, 3, $"expected labels of rank 1 [N], got rank {labels.Dimensions.Count}");
        }

        if (labels.DeclaredRecords != images.DeclaredRecords)
        {
            throw new DataFormatException(
                labels.Path, 4, $"declares {labels.DeclaredRecords} labels but '{images.Path}' declares {images.DeclaredRecords} images");
        }

        int n = d[0];
        if (labels.Dimensions[0] != n)
        {
            throw new DataFormatException(labels.Path, 4, $"holds {labels.Dimensions[0]} labels read, but {n} images were read from '{images.Path}'");
        }

        int channels = d.Count == 4 ? d[1] : 1;
        int height = d[^2];
        int width = d[^1];
        int[] y = new int[n];
        byte[] raw = labels.Data;
        for (int i = 0; i < n; i++)
        {
            if (raw[i] >= classCount)
            {
                throw new DataFormatException(
                    labels.Path, labels.DataOffset + i, $"label {raw[i]} of image {i} is outside [0, {classCount})");
            }

            y[i] = raw[i];
        }

        return new Dataset(ToFloats(images.Data), y, channels, height, width, classCount);
    }

    /// <summary>Reads an IDX image file and an IDX label file (gzip or raw) into a dataset.</summary>
    /// <param name="imagesPath">The image file.</param>
    /// <param name="labelsPath">The label file.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="maxImages">Read only the first this many images and labels (the rest of the files is not checked).</param>
    /// <returns>The dataset, pixels scaled to [0, 1].</returns>
    /// <exception cref="DataFormatException">Either file is bad or they disagree.</exception>
    public static Dataset FromIdx(string imagesPath, string labelsPath, int classCount = 10, int maxImages = int.MaxValue)
    {
        IdxFile labels = IdxReader.Read(labelsPath, maxImages);
        IdxFile images = IdxReader.Read(imagesPath, maxImages);
        return FromIdx(images, labels, classCount);
    }

    /// <summary>Normalises the images in place.</summary>
    /// <param name="normalization">The per-channel statistics (normally from the training split).</param>
    /// <exception cref="ArgumentException">The channel count differs.</exception>
    /// <exception cref="InvalidOperationException">The dataset is already normalised.</exception>
    public void Normalize(Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (Normalization is not null)
        {
            throw new InvalidOperationException($"The dataset is already normalised ({Normalization}).");
        }

        if (normalization.Channels != Channels)
        {
            throw new ArgumentException($"Expected statistics for {Channels} channels, got {normalization.Channels}.", nameof(normalization));
        }

        int plane = Height * Width;
        for (int n = 0; n < Count; n++)
        {
            for (int c = 0; c < Channels; c++)
            {
                float mean = normalization.Mean[c];
                float scale = 1f / normalization.Std[c];
                Span<float> p = Images.AsSpan(((n * Channels) + c) * plane, plane);
                for (int i = 0; i < p.Length; i++)
                {
                    p[i] = (p[i] - mean) * scale;
                }
            }
        }

        Normalization = normalization;
    }

    /// <summary>The value that a black (zero) raw pixel has in this dataset: what zero padding must write.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>0, or (0 − mean) / std once normalised.</returns>
    public float ZeroValue(int channel) => Normalization is null ? 0f : (0f - Normalization.Mean[channel]) / Normalization.Std[channel];

    /// <summary>One image.</summary>
    /// <param name="index">The image index.</param>
    /// <returns>Its values, CHW.</returns>
    public ReadOnlySpan<float> GetImage(int index) => Images.AsSpan(checked(index * SampleSize), SampleSize);

    /// <summary>Copies a contiguous range into a new dataset (with the same normalisation).</summary>
    /// <param name="start">The first image.</param>
    /// <param name="count">How many images.</param>
    /// <returns>The new dataset.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the dataset.</exception>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count - start);
        float[] images = Images.AsSpan(start * SampleSize, count * SampleSize).ToArray();
        int[] labels = Labels.AsSpan(start, count).ToArray();
        return new Dataset(images, labels, Channels, Height, Width, ClassCount) { Normalization = Normalization };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Count} images of {Channels}x{Height}x{Width}, {ClassCount} classes{(Normalization is null ? string.Empty : ", normalised")}";

    private static float[] ToFloats(byte[] bytes)
    {
        float[] result = GC.AllocateUninitializedArray<float>(bytes.Length);
        const float Scale = 1f / 255f;
        for (int i = 0; i < bytes.Length; i++)
        {
            result[i] = bytes[i] * Scale;
        }

        return result;
    }
}
