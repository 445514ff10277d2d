using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// An opt-in per-op profile: time and bytes moved per op kind and per layer. Attach it to a device (and a network,
/// for the per-layer part) with <see cref="Attach"/>, run a step, read <see cref="Ops"/> and <see cref="Layers"/>
/// (or print them with <see cref="OpProfileTable"/>), then dispose the attachment.
/// </summary>
/// <remarks>
/// While attached, every op synchronizes the device before and after it runs, so times are the ops' own and a
/// profiled step is slower than an unprofiled one; without a profiler the ops read no clock. Results (losses,
/// parameters) are the same bits either way. A layer's time is the time of the ops run since the previous layer event
/// of the graph (or since <see cref="Attach"/>); loss and optimizer ops never count to a layer, but other ops run
/// between layers (zeroing gradients before the first forward) count to the next one. Not thread-safe: one profiler
/// per device and thread.
/// </remarks>
public sealed class OpProfiler : IGraphObserver
{
    private readonly Dictionary<string, Acc> _ops = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Index, bool Backward), LayerAcc> _layers = [];
    private TimeSpan _pendingTime;
    private long _pendingBytes;

    /// <summary>Every op kind recorded, in order of first call.</summary>
    public IReadOnlyList<OpProfileEntry> Ops =>
        [.. _ops.Select(p => new OpProfileEntry(p.Key, p.Value.Calls, p.Value.Time, p.Value.Bytes))];

    /// <summary>Every layer pass recorded, in order of first run.</summary>
    public IReadOnlyList<LayerProfileEntry> Layers =>
        [.. _layers.Select(p => new LayerProfileEntry(
            p.Key.Index, p.Value.Layer, p.Value.Action, p.Key.Backward, p.Value.Calls, p.Value.Time, p.Value.Bytes))];

    /// <summary>The wall time attached (every <see cref="Attach"/> to its disposal, the device synchronized at both
    /// ends) since the last <see cref="Reset"/>.</summary>
    public TimeSpan StepTime { get; private set; }

    /// <summary>The total time of every recorded op.</summary>
    public TimeSpan OpTime => _ops.Values.Aggregate(TimeSpan.Zero, (t, a) => t + a.Time);

    /// <summary>Forgets everything recorded.</summary>
    public void Reset()
    {
        StepTime = TimeSpan.Zero;
        _ops.Clear();
        _layers.Clear();
        _pendingTime = TimeSpan.Zero;
        _pendingBytes = 0;
    }

    /// <summary>Starts profiling the ops of <paramref name="device"/> and the layers of <paramref name="network"/>.</summary>
    /// <param name="device">The device whose ops to time.</param>
    /// <param name="network">The graph whose layers to time (optional).</param>
    /// <returns>Disposing it stops profiling and adds the wall time attached to <see cref="StepTime"/>; what was
    /// recorded stays.</returns>
    /// <exception cref="InvalidOperationException">The device already has a profiler.</exception>
    public IDisposable Attach(ComputeDevice device, Sequential? network = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Profiler is not null)
        {
            throw new InvalidOperationException(
                $"Device {device} already has a profiler attached; dispose that attachment first.");
        }

        device.Synchronize();
        _pendingTime = TimeSpan.Zero;
        _pendingBytes = 0;
        device.Profiler = this;
        network?.Observers.Add(this);
        return new Attachment(this, device, network, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Profiles one call of <paramref name="step"/> (e.g. a <see cref="Training.TrainingStep"/>'s <c>Run</c>) through
    /// <see cref="Attach"/>.
    /// </summary>
    /// <typeparam name="T">What the step returns.</typeparam>
    /// <param name="device">The device whose ops to time.</param>
    /// <param name="network">The graph whose layers to time (optional).</param>
    /// <param name="step">The work to profile.</param>
    /// <returns>What <paramref name="step"/> returned.</returns>
    public T Run<T>(ComputeDevice device, Sequential? network, Func<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        using IDisposable attachment = Attach(device, network);
        return step();
    }

    /// <inheritdoc />
    void IGraphObserver.OnForward(in LayerEvent e) => CloseLayer(e, backward: false);

    /// <inheritdoc />
    void IGraphObserver.OnBackward(in LayerEvent e) => CloseLayer(e, backward: true);

    /// <summary>Adds one op's run (called by <see cref="OpScope"/>).</summary>
    internal void RecordOp(string op, TimeSpan time, long bytes)
    {
        if (!_ops.TryGetValue(op, out Acc? acc))
        {
            acc = new Acc();
            _ops.Add(op, acc);
        }

        acc.Calls++;
        acc.Time += time;
        acc.Bytes += bytes;
        if (op is not (nameof(TensorOps.SoftmaxCrossEntropy) or nameof(TensorOps.SgdStep) or nameof(TensorOps.AdamStep)))
        {
            _pendingTime += time;
            _pendingBytes += bytes;
        }
    }

    private void CloseLayer(in LayerEvent e, bool backward)
    {
        if (!_layers.TryGetValue((e.Index, backward), out LayerAcc? acc))
        {
            acc = new LayerAcc(e.Layer.GetType().Name, e.Action);
            _layers.Add((e.Index, backward), acc);
        }

        acc.Calls++;
        acc.Time += _pendingTime;
        acc.Bytes += _pendingBytes;
        _pendingTime = TimeSpan.Zero;
        _pendingBytes = 0;
    }

    private class Acc
    {
        public int Calls;
        public TimeSpan Time;
        public long Bytes;
    }

    private sealed class LayerAcc(string layer, LayerAction action) : Acc
    {
        public string Layer { get; } = layer;

        public LayerAction Action { get; } = action;
    }

    private sealed class Attachment(OpProfiler profiler, ComputeDevice device, Sequential? network, long start) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!device.IsDisposed)
            {
                device.Synchronize();
            }

            profiler.StepTime += Stopwatch.GetElapsedTime(start);
            if (ReferenceEquals(device.Profiler, profiler))
            {
                device.Profiler = null;
            }

            network?.Observers.Remove(profiler);
        }
    }
}
