namespace RevNet.ILGPU.Data;

/// <summary>
/// Reads the CIFAR-10 binary format: each record is 1 label byte and 3,072 pixel bytes (1,024 red, then green, then
/// blue, row-major 32x32); a batch file is a whole number of records. Problems are <see cref="DataFormatException"/>s
/// that name the file and byte offset.
/// </summary>
public static class Cifar10Reader
{
    /// <summary>Image side.</summary>
    public const int Side = 32;

    /// <summary>Channels per image.</summary>
    public const int Channels = 3;

    /// <summary>Pixel bytes per record.</summary>
    public const int PixelBytes = Channels * Side * Side;

    /// <summary>Bytes per record: one label and the pixels.</summary>
    public const int RecordSize = 1 + PixelBytes;

    /// <summary>Classes.</summary>
    public const int ClassCount = 10;

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Loads the standard folder (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>).</summary>
    /// <param name="directory">The folder, or its parent holding <c>cifar-10-batches-bin</c>.</param>
    /// <returns>The training split (50,000 images) and the test split (10,000).</returns>
    /// <exception cref="FileNotFoundException">A batch file is missing.</exception>
    /// <exception cref="DataFormatException">A file is corrupt.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string nested = Path.Combine(directory, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(directory, "test_batch.bin")) && Directory.Exists(nested))
        {
            directory = nested;
        }

        string[] train = [.. Enumerable.Range(1, 5).Select(i => Path.Combine(directory, $"data_batch_{i}.bin"))];
        foreach (string f in train.Append(Path.Combine(directory, "test_batch.bin")))
        {
            if (!Path.Exists(f))
            {
                throw new FileNotFoundException($"{f} not found; a CIFAR-10 folder holds data_batch_1..5.bin and test_batch.bin.", f);
            }
        }

        return (Read(train), Read(Path.Combine(directory, "test_batch.bin")));
    }

    /// <summary>Reads and concatenates batch files.</summary>
    /// <param name="paths">The files, in order.</param>
    /// <returns>The dataset, pixels scaled to [0, 1].</returns>
    /// <exception cref="DataFormatException">A file is empty, not a whole number of records, or has a bad label.</exception>
    /// <exception cref="NotRegularFileException">A path is a folder, a FIFO or a device.</exception>
    public static Dataset Read(params string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Length == 0)
        {
            throw new ArgumentException("No files given.", nameof(paths));
        }

        var streams = new List<FileStream>();
        try
        {
            foreach (string p in paths)
            {
                streams.Add(RegularFile.OpenRead(p));
            }

            return Read([.. streams], paths);
        }
        finally
        {
            foreach (FileStream s in streams)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Reads and concatenates batches from seekable streams.</summary>
    /// <param name="streams">The streams, each positioned at its first record.</param>
    /// <param name="names">A name per stream, used in error messages.</param>
    /// <returns>The dataset, pixels scaled to [0, 1].</returns>
    /// <exception cref="DataFormatException">A stream is empty, not a whole number of records, or has a bad label.</exception>
    public static Dataset Read(IReadOnlyList<Stream> streams, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(names);
        if (streams.Count != names.Count || streams.Count == 0)
        {
            throw new ArgumentException($"Expected one name per stream, got {streams.Count} streams and {names.Count} names.", nameof(names));
        }

        long total = 0;
        int[] counts = new int[streams.Count];
        for (int f = 0; f < streams.Count; f++)
        {
            Stream s = streams[f];
            if (!s.CanSeek)
            {
                throw new ArgumentException("The streams must be seekable (their length gives the record count).", nameof(streams));
            }

            long length = s.Length - s.Position;
            if (length == 0)
            {
                throw new DataFormatException(names[f], 0, "the file is empty; expected 3073-byte records");
            }

            if (length % RecordSize != 0)
            {
                long cut = length / RecordSize * RecordSize;
                throw new DataFormatException(
                    names[f], cut, $"the file is truncated: {length} bytes is not a whole number of {RecordSize}-byte records (the record starting here is cut off)");
            }

            counts[f] = (int)Math.Min(length / RecordSize, int.MaxValue);
            total += length / RecordSize;
        }

        if (total * PixelBytes > Array.MaxLength)
        {
            throw new DataFormatException(names[0], 0, $"{total} records are more images than one array can hold");
        }

        float[] images = GC.AllocateUninitializedArray<float>((int)(total * PixelBytes));
        int[] labels = new int[total];
        byte[] record = new byte[RecordSize];
        int n = 0;
        const float Scale = 1f / 255f;
        for (int f = 0; f < streams.Count; f++)
        {
            for (int r = 0; r < counts[f]; r++, n++)
            {
                long offset = (long)r * RecordSize;
                int got = streams[f].ReadAtLeast(record, record.Length, throwOnEndOfStream: false);
                if (got != RecordSize)
                {
                    throw new DataFormatException(names[f], offset + got, "the file ended early (it shrank while being read)");
                }

                if (record[0] >= ClassCount)
                {
                    throw new DataFormatException(names[f], offset, $"label {record[0]} of record {r} is outside [0, {ClassCount})");
                }

                labels[n] = record[0];
                Span<float> dst = images.AsSpan(n * PixelBytes, PixelBytes);
                for (int i = 0; i < PixelBytes; i++)
                {
                    dst[i] = record[1 + i] * Scale;
                }
            }
        }

        return new Dataset(images, labels, Channels, Side, Side, ClassCount);
    }

    /// <summary>Writes records in the CIFAR-10 binary format (for tests and tools).</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="labels">One label per record.</param>
    /// <param name="pixels">3,072 bytes per record (R, G, B planes of 32x32).</param>
    /// <exception cref="ArgumentException">The pixel count does not match the labels.</exception>
    public static void Write(string path, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> pixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (pixels.Length != (long)labels.Length * PixelBytes)
        {
            throw new ArgumentException($"Expected {labels.Length} x {PixelBytes} pixel bytes, got {pixels.Length}.", nameof(pixels));
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        for (int r = 0; r < labels.Length; r++)
        {
            file.WriteByte(labels[r]);
            file.Write(pixels.Slice(r * PixelBytes, PixelBytes));
        }
    }
}
