using ILGPU.Runtime;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Devices;

/// <summary>
/// One compute device: the backend that runs the ops (chosen from the registry <see cref="Backends"/>; for ILGPU
/// backends it owns the context, the accelerator and the loaded kernels) and its <see cref="BufferPool"/>.
/// Everything allocated through a device dies with it.
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

    private readonly IBackend _backend;
    private bool _disposed;

    private ComputeDevice(BackendFactory factory)
    {
        Kind = factory.Kind;
        Pool = new BufferPool(this);
        _backend = factory.Create(this);
    }

    /// <summary>The backend this device runs.</summary>
    public DeviceKind Kind { get; }

    /// <summary>A human-readable device name (GPU model, or the CPU description).</summary>
    public string Name => _backend.Name;

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

    /// <summary>
    /// The profiler timing this device's ops, or null (the default: no clock is read). Set through
    /// <see cref="Diagnostics.OpProfiler.Attach"/>.
    /// </summary>
    public Diagnostics.OpProfiler? Profiler { get; internal set; }

    /// <summary>The backend implementation of every op.</summary>
    internal ITensorOps Ops => _backend.Ops;

    /// <summary>The ILGPU accelerator, or null for <see cref="DeviceKind.Host"/>.</summary>
    internal Accelerator? Accelerator => _backend.Accelerator;

    /// <summary>Creates a device of the given kind.</summary>
    /// <param name="kind">The backend; <see cref="DeviceKind.Auto"/> picks the best available.</param>
    /// <returns>The new device, owned by the caller.</returns>
    /// <exception cref="DeviceUnavailableException">No device of that kind exists on this machine; the message
    /// lists what discovery found.</exception>
    /// <exception cref="ArgumentException"><c>REVNET_DEVICE</c> holds an unknown name.</exception>
    public static ComputeDevice Create(DeviceKind kind = DeviceKind.Auto) =>
        new(Backends.Find(kind == DeviceKind.Auto ? ResolveAuto() : kind));

    /// <summary>Creates a device on a backend that is not in the registry (tests: the tiled-kernel simulator).</summary>
    internal static ComputeDevice Create(BackendFactory factory) => new(factory);

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
    public static IReadOnlyList<BackendProbe> Discover() => [.. Backends.All.Select(b => b.Probe())];

    /// <summary>Waits until every queued op on the device has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        Accelerator?.Synchronize();
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
        _backend.Dispose();
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
}
