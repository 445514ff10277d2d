using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Data;

/// <summary>
/// Cuts a <see cref="Dataset"/> into batches: a seeded shuffle per epoch, optional augmentation, the last partial
/// batch dropped or kept. While the caller trains on one batch, the next one is prepared on a background thread
/// into host arrays; copying it into pooled device tensors (<see cref="HostBatch.ToTensor"/>) stays on the caller's
/// thread because device pools are single-threaded.
/// </summary>
/// <remarks>
/// The order of epoch <c>e</c> and the augmentation of batch <c>b</c> derive only from (seed, e, b), so the stream of
/// batches is the same with or without prefetching, and <see cref="Position"/> / <see cref="Restore"/> resume it
/// exactly. Usage: <c>while (loader.Next() is { } batch) { ... }</c> runs one epoch; the next call starts the next
/// epoch. A returned batch is valid until the following <see cref="Next"/>.
/// </remarks>
public sealed class BatchLoader : IDisposable
{
    private const ulong ShuffleStream = 0x5348_5546_464C_4521UL;
    private const ulong AugmentStream = 0x4155_474D_454E_5421UL;

    private readonly Stack<HostBatch> _free = new();
    private readonly float[] _zeroValues;
    private readonly Lock _orderLock = new();
    private int[]? _order;
    private int _orderEpoch = -1;
    private int _seed;
    private int _epoch;
    private int _index;
    private HostBatch? _current;
    private Task<HostBatch>? _pending;
    private (int Epoch, int Index) _pendingKey;
    private bool _disposed;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The data (read-only while the loader runs).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="options">Shuffle, seed, drop-last, augmentation and prefetch; null for <see cref="BatchLoaderOptions.Training"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is not positive, or larger than the dataset when dropping the last batch.</exception>
    public BatchLoader(Dataset dataset, int batchSize, BatchLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Options = options ?? BatchLoaderOptions.Training;
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Augmentation.CropPadding, nameof(options));
        if (Options.DropLast && batchSize > dataset.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(batchSize), batchSize, $"Batch size {batchSize} exceeds the {dataset.Count} images, and the last partial batch is dropped: no batches.");
        }

        Dataset = dataset;
        BatchSize = batchSize;
        _seed = Options.Seed;
        BatchesPerEpoch = Options.DropLast ? dataset.Count / batchSize : (dataset.Count + batchSize - 1) / batchSize;
        _zeroValues = new float[dataset.Channels];
        for (int c = 0; c < dataset.Channels; c++)
        {
            _zeroValues[c] = dataset.ZeroValue(c);
        }
    }

    /// <summary>The data.</summary>
    public Dataset Dataset { get; }

    /// <summary>Images per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The options.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The seed now in use (the options' seed, or the one adopted by <see cref="Restore"/>).</summary>
    public int Seed => _seed;

    /// <summary>The next batch to be delivered and the seed; save it to resume later.</summary>
    public LoaderPosition Position => new(_epoch, _index, _seed, BatchSize, Dataset.Count);

    /// <summary>Whether a background preparation has finished and waits to be taken (diagnostics).</summary>
    internal bool IsPrefetchReady => _pending?.IsCompleted == true;

    /// <summary>How many batches were served from background preparation (diagnostics).</summary>
    public long PrefetchHits { get; private set; }

    /// <summary>
    /// The next batch of the current epoch, or null when the epoch is over (the loader then moves to the next epoch).
    /// </summary>
    /// <returns>The batch, valid until the next call; or null at the end of an epoch.</returns>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    public HostBatch? Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is not null)
        {
            _free.Push(_current);
            _current = null;
        }

        if (_index >= BatchesPerEpoch)
        {
            _epoch++;
            _index = 0;
            return null;
        }

        HostBatch batch;
        if (_pending is not null && _pendingKey == (_epoch, _index))
        {
            Task<HostBatch> task = _pending;
            _pending = null;
            batch = task.GetAwaiter().GetResult();
            PrefetchHits++;
        }
        else
        {
            DropPending();
            batch = Prepare(_epoch, _index, Rent());
        }

        _current = batch;
        _index++;
        if (Options.Prefetch)
        {
            (int Epoch, int Index) key = _index < BatchesPerEpoch ? (_epoch, _index) : (_epoch + 1, 0);
            HostBatch buffer = Rent();
            _pendingKey = key;
            _pending = Task.Run(() => Prepare(key.Epoch, key.Index, buffer));
        }

        return batch;
    }

    /// <summary>Moves to a saved position (and adopts its seed); the batches that follow are those that followed it.</summary>
    /// <param name="position">A position captured from a loader over the same dataset with the same batch size.</param>
    /// <exception cref="ArgumentException">The batch size or dataset size differs, or the position is out of range.</exception>
    public void Restore(LoaderPosition position)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (position.BatchSize != BatchSize || position.SampleCount != Dataset.Count)
        {
            throw new ArgumentException(
                $"The position was saved with batch size {position.BatchSize} over {position.SampleCount} images; this loader has {BatchSize} over {Dataset.Count}.",
                nameof(position));
        }

        if (position.Epoch < 0 || position.BatchIndex < 0 || position.BatchIndex > BatchesPerEpoch)
        {
            throw new ArgumentException(
                $"Position epoch {position.Epoch}, batch {position.BatchIndex} is outside 0..{BatchesPerEpoch}.", nameof(position));
        }

        DropPending();
        if (_current is not null)
        {
            _free.Push(_current);
            _current = null;
        }

        _epoch = position.Epoch;
        _index = position.BatchIndex;
        if (_seed != position.Seed)
        {
            _seed = position.Seed;
            lock (_orderLock)
            {
                _orderEpoch = -1;
            }
        }
    }

    /// <summary>Goes back to the first batch of the current epoch (e.g. before an evaluation pass).</summary>
    public void Rewind() => Restore(Position with { BatchIndex = 0 });

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the images (identity without shuffling).</summary>
    /// <param name="epoch">The epoch.</param>
    /// <returns>A new array of image indices.</returns>
    public int[] GetEpochOrder(int epoch) => (int[])Order(epoch).Clone();

    /// <summary>Waits for the background preparation, if any.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DropPending();
    }

    private void DropPending()
    {
        if (_pending is null)
        {
            return;
        }

        Task<HostBatch> task = _pending;
        _pending = null;
        try
        {
            _free.Push(task.GetAwaiter().GetResult());
        }
#pragma warning disable CA1031 // A failed speculative batch is discarded; the synchronous retry reports the error.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private HostBatch Rent() =>
        _free.Count > 0 ? _free.Pop() : new HostBatch(new float[BatchSize * Dataset.SampleSize], new int[BatchSize]);

    private HostBatch Prepare(int epoch, int index, HostBatch batch)
    {
        int[] order = Order(epoch);
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, Dataset.Count - start);
        int sample = Dataset.SampleSize;
        float[] images = batch.ImageBuffer;
        int[] labels = batch.LabelBuffer;
        Augmentation aug = Options.Augmentation;
        DeterministicRandom? random = aug.IsIdentity
            ? null
            : new DeterministicRandom(DeterministicRandom.Mix((ulong)(uint)_seed ^ AugmentStream, (ulong)epoch, (ulong)index));
        for (int i = 0; i < count; i++)
        {
            int src = order[start + i];
            labels[i] = Dataset.Labels[src];
            Span<float> dst = images.AsSpan(i * sample, sample);
            if (random is null)
            {
                Dataset.GetImage(src).CopyTo(dst);
            }
            else
            {
                aug.Apply(Dataset.GetImage(src), dst, Dataset.Channels, Dataset.Height, Dataset.Width, _zeroValues, random);
            }
        }

        batch.Epoch = epoch;
        batch.Index = index;
        batch.PreparedOnThread = Environment.CurrentManagedThreadId;
        batch.Count = count;
        batch.Shape = new Shape(count, Dataset.Channels, Dataset.Height, Dataset.Width);
        return batch;
    }

    private int[] Order(int epoch)
    {
        lock (_orderLock)
        {
            if (_orderEpoch == epoch && _order is not null)
            {
                return _order;
            }

            // A new array each time: a batch being prepared on the other thread may still read the old one.
            int[] order = new int[Dataset.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            if (Options.Shuffle)
            {
                new DeterministicRandom(DeterministicRandom.Mix((ulong)(uint)_seed ^ ShuffleStream, (ulong)epoch)).Shuffle(order.AsSpan());
            }

            _order = order;
            _orderEpoch = epoch;
            return order;
        }
    }
}
