namespace RevNet.ILGPU.Devices;

/// <summary>The compute backends a <see cref="ComputeDevice"/> can run on.</summary>
public enum DeviceKind
{
    /// <summary>Pick the best available: Cuda, then an OpenCL GPU, then <see cref="Host"/>.</summary>
    Auto,

    /// <summary>Managed SIMD kernels on the CPU (Vector512/Vector256, FMA, Parallel.For). The fast CPU path.</summary>
    Host,

    /// <summary>The ILGPU kernels on ILGPU's CPU accelerator: a slow, deterministic GPU simulator for testing.</summary>
    IlgpuCpu,

    /// <summary>The ILGPU kernels compiled to PTX on an NVIDIA GPU.</summary>
    Cuda,

    /// <summary>The ILGPU kernels compiled to OpenCL C on an AMD/Intel GPU.</summary>
    OpenCL,
}
