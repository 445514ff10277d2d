using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// One op's run on a device, timed when the device has an <see cref="OpProfiler"/>. Every public op in
/// <see cref="TensorOps"/> opens one around its backend call (<c>using OpScope op = Op(...); op.Ops.X(...)</c>).
/// Without a profiler it reads no clock, synchronizes nothing and allocates nothing.
/// </summary>
internal readonly ref struct OpScope
{
    private readonly OpProfiler? _profiler;
    private readonly string? _op;
    private readonly long _bytes;
    private readonly long _start;

    /// <summary>Opens the scope; <paramref name="bytes"/> is what the op reads plus what it writes.</summary>
    internal OpScope(ComputeDevice device, string op, long bytes)
    {
        Device = device;
        _profiler = device.Profiler;
        if (_profiler is null)
        {
            return;
        }

        _op = op;
        _bytes = bytes;
        device.Synchronize();
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>The device the op runs on.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The device's backend.</summary>
    public ITensorOps Ops => Device.Ops;

    /// <summary>The bytes of a float tensor.</summary>
    internal static long Bytes(Tensor t) => t.ElementCount * sizeof(float);

    /// <summary>Records the op's time (after synchronizing the device) when profiling.</summary>
    public void Dispose()
    {
        if (_profiler is null)
        {
            return;
        }

        Device.Synchronize();
        _profiler.RecordOp(_op!, Stopwatch.GetElapsedTime(_start), _bytes);
    }
}
