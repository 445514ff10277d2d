using ILGPU.Runtime;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Host;

/// <summary>The managed CPU backend: <see cref="HostOps"/> over pinned host arrays; always available.</summary>
internal sealed class HostBackend(ComputeDevice device) : IBackend
{
    /// <summary>The registry entry.</summary>
    public static BackendFactory Factory { get; } = new(
        DeviceKind.Host,
        () => new BackendProbe(DeviceKind.Host, true, MachineName, "managed SIMD; always available"),
        device => new HostBackend(device));

    /// <inheritdoc />
    public string Name => MachineName;

    /// <inheritdoc />
    public ITensorOps Ops { get; } = new HostOps(device);

    /// <inheritdoc />
    public Accelerator? Accelerator => null;

    private static string MachineName =>
        $"CPU, {Environment.ProcessorCount} threads, "
        + (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : "256-bit SIMD");

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
