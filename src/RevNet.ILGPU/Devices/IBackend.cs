using ILGPU.Runtime;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Devices;

/// <summary>
/// What a <see cref="ComputeDevice"/> runs on: one backend's ops and the resources it owns (for the ILGPU backends,
/// the context and the accelerator). The backends are listed in one registry, <see cref="Backends"/>; this folder
/// names none of them.
/// </summary>
internal interface IBackend : IDisposable
{
    /// <summary>A human-readable device name.</summary>
    string Name { get; }

    /// <summary>The backend's implementation of every op.</summary>
    ITensorOps Ops { get; }

    /// <summary>The ILGPU accelerator that owns device memory, or null when tensors live in host arrays.</summary>
    Accelerator? Accelerator { get; }
}

/// <summary>One entry of the backend registry.</summary>
/// <param name="Kind">The device kind it serves.</param>
/// <param name="Probe">Says whether a device of this kind can be created here, and why (not).</param>
/// <param name="Create">Creates the backend of a new device; throws <see cref="DeviceUnavailableException"/> when
/// there is none.</param>
internal sealed record BackendFactory(DeviceKind Kind, Func<BackendProbe> Probe, Func<ComputeDevice, IBackend> Create);
