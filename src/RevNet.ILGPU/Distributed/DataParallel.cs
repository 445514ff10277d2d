using System.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Distributed;

/// <summary>
/// Data-parallel training of one model replica per process. Give it to <see cref="TrainerOptions.GradientReducer"/>
/// (or call it from a custom loop around <see cref="TrainingStep"/>): each process trains on its contiguous shard of
/// every global batch, and the gradients are averaged over the processes — weighted by shard size, so np processes
/// on a global batch of B take the same step as one process on B.
/// </summary>
/// <remarks>
/// <para>
/// The gradients are reduced in buckets of about <see cref="DataParallelOptions.BucketBytes"/>, laid out once in the
/// reverse of the model's parameter order (the order a backward finishes them). When the model is a
/// <see cref="Sequential"/> (or a zoo <see cref="Models.Model"/>, through its network), the wrapper watches its plan (<see cref="IGraphObserver.OnBackward"/>, where a layer's
/// gradients are final) and starts each bucket's nonblocking all-reduce as soon as all its gradients are final, so
/// the transfer overlaps the backward (the recompute) of the layers below. Every process posts the buckets in the same
/// order, also one that skipped its backward, so the collectives always match.
/// </para>
/// <para>
/// A parameter used by two layers of the plan would be reduced after its first layer's backward: such sharing is not
/// supported with <see cref="DataParallelOptions.Overlap"/>. BatchNorm statistics stay per replica unless
/// <see cref="DataParallelOptions.SyncBatchNorm"/> is set (then every shard must hold at least one sample).
/// </para>
/// </remarks>
public sealed class DataParallel : IGradientReducer, IGraphObserver, IDisposable
{
    private readonly Communicator _comm;
    private readonly ILayer _model;
    private readonly Sequential? _observed;
    private readonly List<Bucket> _buckets = [];
    private readonly Dictionary<Parameter, (int Bucket, int Offset)> _slots = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Parameter> _done = new(ReferenceEqualityComparer.Instance);
    private float _weight = 1f;
    private int _nextToPost;
    private long _firstPost;
    private long _lastComplete;
    private OverlapStatistics _stats;

    /// <summary>Creates the wrapper and (by default) copies rank 0's parameters and buffers to every rank.</summary>
    /// <param name="communicator">The processes.</param>
    /// <param name="model">This process's replica (identical architecture on every rank).</param>
    /// <param name="options">Options; null for defaults.</param>
    public DataParallel(Communicator communicator, ILayer model, DataParallelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(model);
        _comm = communicator;
        _model = model;
        Options = options ?? new DataParallelOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BucketBytes, sizeof(float), nameof(options));
        BuildBuckets();
        if (Options.SyncBatchNorm)
        {
            BatchNormSynchronizer = new BatchNormSynchronizer(communicator);
            _ = BatchNormSynchronizer.Attach(model, BatchNormSynchronizer);
        }

        if (Options.BroadcastInitialState)
        {
            BroadcastState();
        }

        if (Options.Overlap && communicator.Size > 1 && (model as Sequential ?? (model as Models.Model)?.Network) is { } seq)
        {
            _observed = seq;
            seq.Observers.Add(this);
        }
    }

    /// <summary>The options.</summary>
    public DataParallelOptions Options { get; }

    /// <summary>The communicator.</summary>
    public Communicator Communicator => _comm;

    /// <inheritdoc />
    public bool IsPrimary => _comm.IsRoot;

    /// <summary>The synchronizer given to the model's batch norms (<see cref="DataParallelOptions.SyncBatchNorm"/>), or null.</summary>
    public BatchNormSynchronizer? BatchNormSynchronizer { get; }

    /// <summary>The number of gradient buckets.</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>Overlap statistics since creation or the last <see cref="ResetStatistics"/>.</summary>
    public OverlapStatistics Statistics => _stats;

    /// <summary>Clears <see cref="Statistics"/> (e.g. after warm-up steps).</summary>
    public void ResetStatistics() => _stats = default;

    /// <summary>Copies rank 0's parameter values and buffers into every rank's replica.</summary>
    public void BroadcastState()
    {
        foreach (Parameter p in _model.Parameters)
        {
            _comm.Broadcast(p.Value);
        }

        foreach (Parameter b in _model.Buffers)
        {
            _comm.Broadcast(b.Value);
        }
    }

    /// <inheritdoc />
    public (int Start, int Count) Shard(int globalCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalCount);
        int size = _comm.Size;
        int rank = _comm.Rank;
        int baseCount = globalCount / size;
        int extra = globalCount % size;
        int start = (rank * baseCount) + Math.Min(rank, extra);
        return (start, baseCount + (rank < extra ? 1 : 0));
    }

    /// <inheritdoc />
    public void BeginStep(int localCount, int globalCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(localCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalCount, 1);
        if (BatchNormSynchronizer is not null && globalCount < _comm.Size)
        {
            throw new CommunicatorException(
                $"Synchronised batch norm needs at least one sample per process, but the global batch of {globalCount} is split over {_comm.Size} processes.");
        }

        _weight = (float)localCount / globalCount;
        _done.Clear();
        _nextToPost = 0;
        _firstPost = 0;
        _lastComplete = 0;
        foreach (Bucket b in _buckets)
        {
            b.Remaining = b.Parameters.Count;
            b.Request = null;
        }
    }

    /// <inheritdoc />
    public void OnForward(in LayerEvent e)
    {
    }

    /// <inheritdoc />
    public void OnBackward(in LayerEvent e)
    {
        foreach (Parameter p in e.Layer.Parameters)
        {
            MarkFinal(p);
        }

        PostReady();
        Poll();
    }

    /// <inheritdoc />
    public void ReduceGradients(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_comm.Size == 1)
        {
            return;
        }

        long t0 = Stopwatch.GetTimestamp();
        foreach (Parameter p in parameters)
        {
            MarkFinal(p);
        }

        if (_done.Count != _slots.Count)
        {
            throw new CommunicatorException("ReduceGradients was given a parameter list that is not the model's; BeginStep must come first each step.");
        }

        PostReady();
        foreach (Bucket b in _buckets)
        {
            if (b.Request is { IsCompleted: false } r)
            {
                r.Wait();
                _lastComplete = Stopwatch.GetTimestamp();
            }

            int offset = 0;
            foreach (Parameter p in b.Parameters)
            {
                int n = (int)p.Gradient!.ElementCount;
                p.Gradient.CopyFrom(b.Buffer.AsSpan(offset, n));
                offset += n;
            }
        }

        long t1 = Stopwatch.GetTimestamp();
        _stats = _stats with
        {
            Steps = _stats.Steps + 1,
            Buckets = _buckets.Count,
            Elements = _slots.Keys.Sum(p => p.Gradient!.ElementCount),
            CommunicationMilliseconds = _stats.CommunicationMilliseconds + Stopwatch.GetElapsedTime(_firstPost, Math.Max(_lastComplete, _firstPost)).TotalMilliseconds,
            ExposedMilliseconds = _stats.ExposedMilliseconds + Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
        };
    }

    /// <summary>
    /// Times the step's buckets as blocking all-reduces (a collective: every rank must call it, outside a step) and
    /// records the mean in <see cref="OverlapStatistics.BlockingMilliseconds"/>, the reference for the hidden fraction.
    /// The gradients are not touched.
    /// </summary>
    /// <param name="repeats">How many times to reduce all buckets.</param>
    /// <returns>Milliseconds per step's worth of buckets.</returns>
    public double MeasureBlockingAllReduce(int repeats = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        if (_comm.Size == 1)
        {
            return 0;
        }

        _comm.Barrier();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeats; i++)
        {
            foreach (Bucket b in _buckets)
            {
                b.Buffer.AsSpan().Clear();
                _comm.AllReduceSum(b.Buffer.AsSpan());
            }
        }

        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / repeats;
        _stats = _stats with { BlockingMilliseconds = ms };
        return ms;
    }

    /// <inheritdoc />
    public (double LossSum, long Correct) ReduceMetrics(double lossSum, long correct)
    {
        if (_comm.Size == 1)
        {
            return (lossSum, correct);
        }

        Span<double> v = [lossSum, correct];
        _comm.AllReduceSum(v);
        return (v[0], (long)Math.Round(v[1]));
    }

    /// <summary>Stops watching the model and detaches the batch-norm synchronizer (the communicator is not disposed).</summary>
    public void Dispose()
    {
        _observed?.Observers.Remove(this);
        if (BatchNormSynchronizer is not null)
        {
            _ = BatchNormSynchronizer.Attach(_model, null);
        }

        foreach (Bucket b in _buckets)
        {
            b.Request?.Wait();
        }
    }

    private void BuildBuckets()
    {
        int limit = Math.Max(1, Options.BucketBytes / sizeof(float));
        var current = new List<Parameter>();
        long size = 0;
        IReadOnlyList<Parameter> all = _model.Parameters;
        for (int i = all.Count - 1; i >= 0; i--)
        {
            Parameter p = all[i];
            if (p.Gradient is null || _slots.ContainsKey(p))
            {
                continue;
            }

            if (current.Count > 0 && size + p.Gradient.ElementCount > limit)
            {
                Close(current, size);
                current = [];
                size = 0;
            }

            _slots[p] = (_buckets.Count, (int)size);
            current.Add(p);
            size += p.Gradient.ElementCount;
        }

        if (current.Count > 0)
        {
            Close(current, size);
        }

        void Close(List<Parameter> ps, long n)
        {
            if (n > int.MaxValue)
            {
                throw new ArgumentException($"Parameter '{ps[0].Name}' has more than 2^31 elements; MPI counts are 32-bit.", nameof(_model));
            }

            _buckets.Add(new Bucket(ps, GC.AllocateArray<float>((int)n, pinned: true)));
        }
    }

    private void MarkFinal(Parameter p)
    {
        if (_comm.Size == 1 || !_slots.TryGetValue(p, out (int Bucket, int Offset) slot) || !_done.Add(p))
        {
            return;
        }

        Bucket b = _buckets[slot.Bucket];
        Span<float> dst = b.Buffer.AsSpan(slot.Offset, (int)p.Gradient!.ElementCount);
        p.Gradient.CopyTo(dst);
        if (_weight != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(dst, _weight, dst);
        }

        b.Remaining--;
    }

    private void PostReady()
    {
        while (_nextToPost < _buckets.Count && _buckets[_nextToPost].Remaining == 0)
        {
            Bucket b = _buckets[_nextToPost++];
            if (_firstPost == 0)
            {
                _firstPost = Stopwatch.GetTimestamp();
            }

            b.Request = _comm.IAllReduceSum(b.Buffer);
        }
    }

    private void Poll()
    {
        for (int i = 0; i < _nextToPost; i++)
        {
            CommunicationRequest? r = _buckets[i].Request;
            if (r is { IsCompleted: false } && r.Test())
            {
                _lastComplete = Stopwatch.GetTimestamp();
            }
        }
    }

    private sealed class Bucket(List<Parameter> parameters, float[] buffer)
    {
        public List<Parameter> Parameters { get; } = parameters;

        public float[] Buffer { get; } = buffer;

        public int Remaining { get; set; }

        public CommunicationRequest? Request { get; set; }
    }
}
