using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using RevNet.ILGPU.Host;
using RevNet.ILGPU.Kernels;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Devices;

/// <summary>
/// One compute device: the backend that runs the ops, its ILGPU context and accelerator (for ILGPU backends),
/// its loaded kernels and its <see cref="BufferPool"/>. Everything allocated through a device dies with it.
/// </summary>
/// <remarks>
/// Create one with <see cref="Create(DeviceKind)"/>. <see cref="DeviceKind.Auto"/> picks Cuda, then an OpenCL GPU,
/// then <see cref="DeviceKind.Host"/>; the <c>REVNET_DEVICE</c> environment variable (host, ilgpucpu, cuda,
/// opencl, auto) overrides <c>Auto</c>. A device is single-threaded from the caller's side: use it from one
/// thread at a time.
/// </remarks>
public sealed class ComputeDevice : IDisposable
{
    /// <summary>The environment variable that overrides <see cref="DeviceKind.Auto"/>.</summary>
    public const string EnvironmentVariable = "REVNET_DEVICE";

    private readonly global::ILGPU.Context? _context;
    private readonly Accelerator? _accelerator;
    private bool _disposed;

    private ComputeDevice(DeviceKind kind, string name, global::ILGPU.Context? context, Accelerator? accelerator)
    {
        Kind = kind;
        Name = name;
        _context = context;
        _accelerator = accelerator;
        Pool = new BufferPool(this);
        Ops = accelerator is null ? new HostOps(this) : new IlgpuOps(this, accelerator);
    }

    /// <summary>The backend this device runs.</summary>
    public DeviceKind Kind { get; }

    /// <summary>A human-readable device name (GPU model, or the CPU description).</summary>
    public string Name { get; }

    /// <summary>The pool that owns every buffer of this device and counts its bytes.</summary>
    public BufferPool Pool { get; }

    /// <summary>Whether the device runs on a GPU (Cuda or OpenCL).</summary>
    public bool IsGpu => Kind is DeviceKind.Cuda or DeviceKind.OpenCL;

    /// <summary>Whether this device has been disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>
    /// How many tensors were still rented when the device was disposed (a leak report; 0 when clean).
    /// </summary>
    public int LiveTensorsAtDispose { get; private set; }

    /// <summary>The backend implementation of every op.</summary>
    internal ITensorOps Ops { get; }

    /// <summary>The ILGPU accelerator, or null for <see cref="DeviceKind.Host"/>.</summary>
    internal Accelerator? Accelerator => _accelerator;

    /// <summary>Creates a device of the given kind.</summary>
    /// <param name="kind">The backend; <see cref="DeviceKind.Auto"/> picks the best available.</param>
    /// <returns>The new device, owned by the caller.</returns>
    /// <exception cref="DeviceUnavailableException">No device of that kind exists on this machine; the message
    /// lists what discovery found.</exception>
    /// <exception cref="ArgumentException"><c>REVNET_DEVICE</c> holds an unknown name.</exception>
    public static ComputeDevice Create(DeviceKind kind = DeviceKind.Auto)
    {
        if (kind == DeviceKind.Auto)
        {
            kind = ResolveAuto();
        }

        switch (kind)
        {
            case DeviceKind.Host:
                return new ComputeDevice(DeviceKind.Host, HostName(), null, null);
            case DeviceKind.IlgpuCpu:
                {
                    global::ILGPU.Context context = global::ILGPU.Context.Create(b => b.CPU(IlgpuOps.SimulatorDevice).EnableAlgorithms());
                    Accelerator acc = context.GetCPUDevice(0).CreateAccelerator(context);
                    return new ComputeDevice(DeviceKind.IlgpuCpu, "ILGPU CPU accelerator (simulator)", context, acc);
                }

            case DeviceKind.Cuda:
            case DeviceKind.OpenCL:
                return CreateGpu(kind);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind.");
        }
    }

    /// <summary>Parses a device name as used by <c>REVNET_DEVICE</c> and the CLI's <c>--device</c>.</summary>
    /// <param name="value">auto, host, ilgpucpu (or cpu-sim), cuda, opencl; case-insensitive.</param>
    /// <returns>The kind.</returns>
    /// <exception cref="ArgumentException">The name is not one of those.</exception>
    public static DeviceKind ParseKind(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToUpperInvariant() switch
        {
            "AUTO" or "" => DeviceKind.Auto,
            "HOST" or "CPU" => DeviceKind.Host,
            "ILGPUCPU" or "ILGPU-CPU" or "CPU-SIM" => DeviceKind.IlgpuCpu,
            "CUDA" => DeviceKind.Cuda,
            "OPENCL" or "CL" => DeviceKind.OpenCL,
            _ => throw new ArgumentException(
                $"Unknown device '{value}'. Expected one of: auto, host, ilgpucpu, cuda, opencl.", nameof(value)),
        };
    }

    /// <summary>
    /// Lists every backend with whether it can be used here and why not (no driver, no GPU, no generic address
    /// space, ...).
    /// </summary>
    /// <returns>One probe per backend, in <see cref="DeviceKind.Auto"/>'s order of preference.</returns>
    public static IReadOnlyList<BackendProbe> Discover()
    {
        var result = new List<BackendProbe>();
        try
        {
            using var context = global::ILGPU.Context.Create(b => b.Default());
            result.Add(ProbeCuda(context));
            result.Add(ProbeOpenCL(context));
        }
#pragma warning disable CA1031 // Discovery reports every failure as a reason instead of throwing.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result.Add(new BackendProbe(DeviceKind.Cuda, false, string.Empty, "ILGPU context failed: " + ex.Message));
            result.Add(new BackendProbe(DeviceKind.OpenCL, false, string.Empty, "ILGPU context failed: " + ex.Message));
        }

        result.Add(new BackendProbe(DeviceKind.Host, true, HostName(), "managed SIMD; always available"));
        result.Add(new BackendProbe(DeviceKind.IlgpuCpu, true, "ILGPU CPU accelerator", "GPU simulator for tests; slow"));
        return result;
    }

    /// <summary>Waits until every queued op on the device has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        _accelerator?.Synchronize();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} ({Name})";

    /// <summary>Releases every buffer, the loaded kernels, the accelerator and the context.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        LiveTensorsAtDispose = Pool.RentedCount;
        if (LiveTensorsAtDispose > 0)
        {
            System.Diagnostics.Trace.TraceWarning(
                $"RevNet.ILGPU: device {this} disposed with {LiveTensorsAtDispose} live tensor(s) still rented.");
        }

        _disposed = true;
        Pool.ReleaseAll();
        (Ops as IDisposable)?.Dispose();
        _accelerator?.Dispose();
        _context?.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static DeviceKind ResolveAuto()
    {
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            DeviceKind parsed = ParseKind(env);
            if (parsed != DeviceKind.Auto)
            {
                return parsed;
            }
        }

        foreach (BackendProbe probe in Discover())
        {
            if (probe.Available)
            {
                return probe.Kind;
            }
        }

        return DeviceKind.Host;
    }

    private static ComputeDevice CreateGpu(DeviceKind kind)
    {
        global::ILGPU.Context context = global::ILGPU.Context.Create(b => b.Default().EnableAlgorithms());
        try
        {
            BackendProbe probe = kind == DeviceKind.Cuda ? ProbeCuda(context) : ProbeOpenCL(context);
            if (!probe.Available)
            {
                throw new DeviceUnavailableException(
                    $"No usable {kind} device: {probe.Reason}. Use DeviceKind.Auto or Host to run on the CPU.");
            }

            Device device = kind == DeviceKind.Cuda
                ? context.GetCudaDevices()[0]
                : FirstUsableCL(context)!;
            Accelerator acc = device.CreateAccelerator(context);
            return new ComputeDevice(kind, device.Name, context, acc);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static BackendProbe ProbeCuda(global::ILGPU.Context context)
    {
        int count = context.GetCudaDevices().Count;
        return count > 0
            ? new BackendProbe(DeviceKind.Cuda, true, context.GetCudaDevices()[0].Name, $"{count} device(s)")
            : new BackendProbe(DeviceKind.Cuda, false, string.Empty, "no CUDA driver or no NVIDIA GPU found");
    }

    private static BackendProbe ProbeOpenCL(global::ILGPU.Context context)
    {
        int count = context.GetCLDevices().Count;
        if (count == 0)
        {
            return new BackendProbe(DeviceKind.OpenCL, false, string.Empty, "no OpenCL platform or device found");
        }

        CLDevice? usable = FirstUsableCL(context);
        if (usable is not null)
        {
            return new BackendProbe(DeviceKind.OpenCL, true, usable.Name, "GPU with generic address space");
        }

        return new BackendProbe(
            DeviceKind.OpenCL,
            false,
            context.GetCLDevices()[0].Name,
            "OpenCL devices found, but none is a GPU with generic address space support (ILGPU needs it)");
    }

    private static CLDevice? FirstUsableCL(global::ILGPU.Context context)
    {
        foreach (CLDevice d in context.GetCLDevices())
        {
            if (d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU && d.Capabilities.GenericAddressSpace)
            {
                return d;
            }
        }

        return null;
    }

    private static string HostName() =>
        $"CPU, {Environment.ProcessorCount} threads, "
        + (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : "256-bit SIMD");
}
