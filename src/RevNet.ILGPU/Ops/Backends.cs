using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Host;
using RevNet.ILGPU.Kernels;

namespace RevNet.ILGPU.Ops;

/// <summary>
/// The registry of backends: the one place that names them. <see cref="ComputeDevice"/> creates and discovers
/// devices through it; adding a backend means implementing <see cref="ITensorOps"/> and <see cref="IBackend"/> and
/// adding its factory here.
/// </summary>
internal static class Backends
{
    /// <summary>Every backend, in <see cref="DeviceKind.Auto"/>'s order of preference.</summary>
    public static IReadOnlyList<BackendFactory> All { get; } =
        [IlgpuBackend.Cuda, IlgpuBackend.OpenCL, HostBackend.Factory, IlgpuBackend.Simulator];

    /// <summary>The factory of one kind.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No backend serves that kind.</exception>
    public static BackendFactory Find(DeviceKind kind) =>
        All.FirstOrDefault(b => b.Kind == kind)
        ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind.");
}
