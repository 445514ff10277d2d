using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>
/// The public, checked entry to every op: validates shapes, devices and disposal, then runs the op on the
/// tensors' device. Semantics (what is overwritten, what accumulates) are documented on each method. One partial
/// file per op family, <c>Ops/Family/TensorOps.Family.cs</c>, next to that family's Host code and ILGPU kernels.
/// </summary>
public static partial class TensorOps
{
    internal static ComputeDevice Device(params ReadOnlySpan<Tensor> tensors)
    {
        ComputeDevice? device = null;
        foreach (Tensor t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t);
            ObjectDisposedException.ThrowIf(t.IsDisposed, t);
            if (device is null)
            {
                device = t.Device;
            }
            else if (!ReferenceEquals(device, t.Device))
            {
                throw new InvalidOperationException(
                    $"Tensors from two devices in one op: {device} and {t.Device}. Move the data to one device first.");
            }
        }

        device!.ThrowIfDisposed();
        return device;
    }

    /// <summary>
    /// Checks the tensors as <see cref="Device"/> does and opens the op's profiling scope on their device; the bytes
    /// moved are the sum of the tensors' sizes (each read or written once).
    /// </summary>
    internal static OpScope Op(string op, params ReadOnlySpan<Tensor> tensors)
    {
        ComputeDevice device = Device(tensors);
        long bytes = 0;
        if (device.Profiler is not null)
        {
            foreach (Tensor t in tensors)
            {
                bytes += OpScope.Bytes(t);
            }
        }

        return new OpScope(device, op, bytes);
    }

    internal static void SameShape(Tensor expected, Tensor actual, string paramName)
    {
        if (expected.Shape != actual.Shape)
        {
            throw new ArgumentException($"Expected {expected.Shape}, got {actual.Shape}.", paramName);
        }
    }

    internal static void Expect(Tensor t, Shape expected, string paramName)
    {
        if (t.Shape != expected)
        {
            throw new ArgumentException($"Expected {expected}, got {t.Shape}.", paramName);
        }
    }

    private static void SameCount(Tensor expected, Tensor actual, string paramName)
    {
        if (expected.ElementCount != actual.ElementCount)
        {
            throw new ArgumentException(
                $"Expected {expected.ElementCount} elements ({expected.Shape}), got {actual.ElementCount} ({actual.Shape}).", paramName);
        }
    }

    private static void ExpectCount(Tensor t, long count, string expected, string paramName)
    {
        if (t.ElementCount != count)
        {
            throw new ArgumentException($"Expected {expected}, got {t.Shape}.", paramName);
        }
    }

    private static void Rank4(Tensor t, string paramName)
    {
        if (t.Shape.Rank != 4)
        {
            throw new ArgumentException($"Expected [N, C, H, W], got {t.Shape}.", paramName);
        }
    }

    private static int Channels(Tensor x)
    {
        if (x.Shape.Rank < 2)
        {
            throw new ArgumentException($"Expected [N, C, ...], got {x.Shape}.", nameof(x));
        }

        return x.Shape[1];
    }

    private static void Vector(Tensor t, int length, string paramName)
    {
        if (t.ElementCount != length)
        {
            throw new ArgumentException($"Expected [{length}], got {t.Shape}.", paramName);
        }
    }

    private static void Positive(float value, string what, string paramName)
    {
        if (!(value > 0) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}; expected a finite value > 0.");
        }
    }

    private static void NonNegative(float value, string what, string paramName)
    {
        if (!(value >= 0) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}; expected a finite value >= 0.");
        }
    }
}
