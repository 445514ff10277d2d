using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Reads and writes checkpoints: a versioned binary format with a SHA-256 checksum, written atomically.
/// </summary>
/// <remarks>
/// <para>Layout (little-endian): magic <c>"RVNCKPT" 0x1A</c> (8 bytes), format version (u32), reserved (u32),
/// payload length (u64), SHA-256 of the payload (32 bytes), then the payload: architecture id, epoch and step
/// counters, the trainer's random state, the loader position, the parameters and buffers (name, rank, dims, floats),
/// the optimizer (kind, step, learning rate, state tensors), and the history as JSON.</para>
/// <para>Saving writes a temporary file in the same folder, flushes it to disk, then renames it over the target, so
/// a crash leaves either the old checkpoint or the new one, never a half-written file under the target name.
/// Loading checks the magic, version, length and checksum before parsing, and every declared size against the
/// bytes actually present before allocating.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 56;

    private const int MaxRank = 8;
    private const int MaxNameBytes = 4096;
    private const int MaxTextBytes = 64 << 20;
    private static readonly byte[] Magic = "RVNCKPT\u001A"u8.ToArray();

    /// <summary>Writes a checkpoint atomically (temporary file in the same folder, flush to disk, rename).</summary>
    /// <param name="path">The checkpoint file; its folder is created if needed.</param>
    /// <param name="data">The contents.</param>
    /// <exception cref="IOException">The file cannot be written; the previous checkpoint, if any, is untouched.</exception>
    public static void Save(string path, CheckpointData data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.Write(path, file => Write(file, data));
    }

    /// <summary>Serialises a checkpoint to bytes (header, checksum, payload).</summary>
    /// <param name="data">The contents.</param>
    /// <returns>The file's bytes.</returns>
    public static byte[] Serialize(CheckpointData data)
    {
        using var ms = new MemoryStream();
        Write(ms, data);
        return ms.ToArray();
    }

    /// <summary>
    /// Writes a checkpoint to a seekable stream: a placeholder header, the payload streamed through SHA-256, then
    /// the real header (so no second copy of the payload is held in memory).
    /// </summary>
    /// <param name="stream">The destination, positioned where the checkpoint starts.</param>
    /// <param name="data">The contents.</param>
    public static void Write(Stream stream, CheckpointData data)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(data);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable (the header is written last).", nameof(stream));
        }

        long start = stream.Position;
        stream.Write(new byte[HeaderSize]);
        byte[] hash;
        long length;
        using (var hashing = new HashingStream(stream))
        {
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                WritePayload(w, data);
            }

            hash = hashing.Finish();
            length = hashing.BytesWritten;
        }

        long end = stream.Position;
        byte[] header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), length);
        hash.CopyTo(header, 24);
        stream.Position = start;
        stream.Write(header);
        stream.Position = end;
    }

    /// <summary>Reads and validates a checkpoint file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The contents.</returns>
    /// <exception cref="CheckpointException">Not a checkpoint, another version, truncated, or corrupt.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO or a device.</exception>
    public static CheckpointData Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = RegularFile.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads and validates a checkpoint from a seekable stream.</summary>
    /// <param name="stream">The stream, at the start of the checkpoint; its remaining length must be exactly the checkpoint.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <returns>The contents.</returns>
    /// <exception cref="CheckpointException">Not a checkpoint, another version, truncated, or corrupt.</exception>
    public static CheckpointData Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable.", nameof(stream));
        }

        long length = stream.Length - stream.Position;
        byte[] header = new byte[HeaderSize];
        int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < Magic.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CheckpointException(name, 0, got < Magic.Length && header.AsSpan(0, got).SequenceEqual(Magic.AsSpan(0, got))
                ? $"the file is truncated: {length} bytes, shorter than the {HeaderSize}-byte header"
                : "not a RevNet checkpoint (wrong magic number)");
        }

        if (got < HeaderSize)
        {
            throw new CheckpointException(name, got, $"the file is truncated: {length} bytes, shorter than the {HeaderSize}-byte header");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        if (version != FormatVersion)
        {
            throw new CheckpointException(name, 8, $"format version {version} is not supported (this build reads version {FormatVersion})");
        }

        int reserved = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        if (reserved != 0)
        {
            throw new CheckpointException(name, 12, $"reserved header field is {reserved}, expected 0 (corrupt header)");
        }

        long declared = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        long present = length - HeaderSize;
        if (declared != present)
        {
            throw new CheckpointException(
                name, 16, declared > present
                    ? $"the file is truncated: the header declares {declared} payload bytes, {present} are present"
                    : $"the header declares {declared} payload bytes, but {present} follow (corrupt length or trailing data)");
        }

        if (declared > Array.MaxLength)
        {
            throw new CheckpointException(name, 16, $"a payload of {declared} bytes is too large to load");
        }

        byte[] payload = GC.AllocateUninitializedArray<byte>((int)declared);
        if (stream.ReadAtLeast(payload, payload.Length, throwOnEndOfStream: false) != payload.Length)
        {
            throw new CheckpointException(name, HeaderSize, "the file shrank while being read");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(header.AsSpan(24, 32)))
        {
            throw new CheckpointException(name, 24, "checksum mismatch: the payload is corrupt (SHA-256 differs from the header's)");
        }

        var r = new PayloadReader(payload, name);
        try
        {
            return Parse(ref r);
        }
        catch (CheckpointException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or DecoderFallbackException or OverflowException)
        {
            throw new CheckpointException(name, HeaderSize + r.Position, $"invalid contents ({ex.Message})", ex);
        }
    }

    private static void WritePayload(BinaryWriter w, CheckpointData data)
    {
        WriteString(w, data.ArchitectureId);
        w.Write(data.Epoch);
        w.Write(data.GlobalStep);
        EpochCounters c = data.Counters;
        w.Write(c.LossSum);
        w.Write(c.Correct);
        w.Write(c.Seen);
        w.Write(c.Steps);
        w.Write(c.Batches);
        w.Write(c.Skipped);
        w.Write(c.TrainSeconds);
        w.Write(c.LearningRate);
        w.Write(data.TotalSeconds);
        w.Write(data.SkippedBatches);
        w.Write(data.RandomState.Count);
        foreach (ulong s in data.RandomState)
        {
            w.Write(s);
        }

        LoaderPosition p = data.Loader;
        w.Write(p.Epoch);
        w.Write(p.BatchIndex);
        w.Write(p.Seed);
        w.Write(p.BatchSize);
        w.Write(p.SampleCount);
        WriteArrays(w, data.Parameters);
        WriteArrays(w, data.Buffers);
        w.Write(data.Optimizer is not null);
        if (data.Optimizer is not null)
        {
            WriteString(w, data.Optimizer.Kind);
            w.Write(data.Optimizer.StepCount);
            w.Write(data.Optimizer.LearningRate);
            WriteArrays(w, data.Optimizer.Tensors);
        }

        WriteString(w, data.HistoryJson);
    }

    private static CheckpointData Parse(ref PayloadReader r)
    {
        string arch = r.String(MaxNameBytes, "architecture id");
        int epoch = r.NonNegativeInt32("epoch");
        long globalStep = r.Int64();
        if (globalStep < 0)
        {
            throw r.Error("negative global step");
        }

        var counters = new EpochCounters(
            r.Double(), r.Int64(), r.Int64(), r.NonNegativeInt32("steps"), r.NonNegativeInt32("batches"),
            r.NonNegativeInt32("skipped"), r.Double(), r.Single());
        double totalSeconds = r.Double();
        long skipped = r.Int64();
        if (counters.Seen < 0 || counters.Correct < 0 || counters.Correct > counters.Seen || !(counters.LossSum >= 0)
            || !(counters.TrainSeconds >= 0) || !(totalSeconds >= 0) || skipped < 0 || double.IsInfinity(totalSeconds))
        {
            throw r.Error("impossible counters (negative, non-finite, or more correct than seen samples)");
        }

        int stateWords = r.Count(sizeof(ulong), "random state words");
        ulong[] state = new ulong[stateWords];
        for (int i = 0; i < state.Length; i++)
        {
            state[i] = r.UInt64();
        }

        var loader = new LoaderPosition(r.NonNegativeInt32("loader epoch"), r.NonNegativeInt32("loader batch"), r.Int32(), r.NonNegativeInt32("batch size"), r.NonNegativeInt32("sample count"));
        List<NamedArray> parameters = ReadArrays(ref r, "parameter");
        List<NamedArray> buffers = ReadArrays(ref r, "buffer");
        OptimizerState? optimizer = null;
        if (r.Bool())
        {
            string kind = r.String(MaxNameBytes, "optimizer kind");
            int step = r.NonNegativeInt32("optimizer step");
            float lr = r.Single();
            optimizer = new OptimizerState(kind, step, lr, ReadArrays(ref r, "optimizer state"));
        }

        string history = r.String(MaxTextBytes, "history");
        if (r.Remaining != 0)
        {
            throw r.Error($"{r.Remaining} unexpected bytes after the last field");
        }

        return new CheckpointData
        {
            ArchitectureId = arch,
            Epoch = epoch,
            GlobalStep = globalStep,
            Counters = counters,
            TotalSeconds = totalSeconds,
            SkippedBatches = skipped,
            RandomState = state,
            Loader = loader,
            Parameters = parameters,
            Buffers = buffers,
            Optimizer = optimizer,
            HistoryJson = history,
        };
    }

    private static List<NamedArray> ReadArrays(ref PayloadReader r, string what)
    {
        // The smallest entry: empty name (4) + rank (4) + one dim (4) + one float (4).
        int count = r.Count(16, $"{what} count");
        var result = new List<NamedArray>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = r.String(MaxNameBytes, $"{what} name");
            if (!names.Add(name))
            {
                throw r.Error($"the {what} '{name}' appears twice");
            }

            int rank = r.Int32();
            if (rank is < 1 or > MaxRank)
            {
                throw r.Error($"{what} '{name}' has rank {rank}; expected 1..{MaxRank}");
            }

            int[] dims = new int[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++)
            {
                dims[d] = r.Int32();
                if (dims[d] <= 0)
                {
                    throw r.Error($"{what} '{name}' has dimension {dims[d]}");
                }

                elements *= dims[d];
                if (elements > r.Remaining / sizeof(float))
                {
                    throw r.Error($"{what} '{name}' declares more values than the file holds");
                }
            }

            result.Add(new NamedArray(name, dims, r.Floats((int)elements)));
        }

        return result;
    }

    private static void WriteArrays(BinaryWriter w, IReadOnlyList<NamedArray> arrays)
    {
        w.Write(arrays.Count);
        foreach (NamedArray a in arrays)
        {
            WriteString(w, a.Name);
            w.Write(a.Dimensions.Length);
            foreach (int d in a.Dimensions)
            {
                w.Write(d);
            }

            // In chunks: bounded scratch memory, and many small writes instead of one huge one.
            byte[] bytes = new byte[Math.Min(a.Data.Length, 1 << 14) * sizeof(float)];
            for (int start = 0; start < a.Data.Length; start += bytes.Length / sizeof(float))
            {
                int n = Math.Min(bytes.Length / sizeof(float), a.Data.Length - start);
                for (int i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), a.Data[start + i]);
                }

                w.Write(bytes, 0, n * sizeof(float));
            }
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>A bounds-checked little-endian reader over the payload; every failure names the offset.</summary>
    private ref struct PayloadReader(byte[] data, string name)
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public readonly int Remaining => _data.Length - Position;

        public readonly CheckpointException Error(string problem) => new(name, HeaderSize + Position, problem);

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public bool Bool()
        {
            byte b = Take(1)[0];
            return b switch
            {
                0 => false,
                1 => true,
                _ => throw Error($"invalid flag byte {b}"),
            };
        }

        public int NonNegativeInt32(string what)
        {
            int v = Int32();
            return v >= 0 ? v : throw Error($"negative {what} ({v})");
        }

        /// <summary>A count of items of at least <paramref name="minItemBytes"/> each, checked against the bytes left.</summary>
        public int Count(int minItemBytes, string what)
        {
            int n = Int32();
            if (n < 0 || (long)n * minItemBytes > Remaining)
            {
                throw Error($"{what} {n} does not fit in the {Remaining} bytes left");
            }

            return n;
        }

        public string String(int maxBytes, string what)
        {
            int n = Int32();
            if (n < 0 || n > maxBytes || n > Remaining)
            {
                throw Error($"{what} length {n} is invalid");
            }

            return StrictUtf8.GetString(Take(n));
        }

        public float[] Floats(int count)
        {
            ReadOnlySpan<byte> bytes = Take(count * sizeof(float));
            float[] values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            }

            return values;
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > Remaining)
            {
                throw Error($"the payload ends early: {n} more bytes needed, {Remaining} left");
            }

            ReadOnlySpan<byte> s = _data.Slice(Position, n);
            Position += n;
            return s;
        }
    }
}
