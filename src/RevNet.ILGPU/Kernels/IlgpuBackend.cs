using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The ILGPU backends (Cuda, OpenCL and the IlgpuCpu simulator): an ILGPU context and accelerator, owned here, and
/// the <see cref="IlgpuOps"/> that launch this folder's kernels on it.
/// </summary>
internal sealed class IlgpuBackend : IBackend
{
    private readonly global::ILGPU.Context _context;

    private IlgpuBackend(
        ComputeDevice device, global::ILGPU.Context context, Accelerator accelerator, string name, bool tiled)
    {
        _context = context;
        Accelerator = accelerator;
        Name = name;
        Ops = new IlgpuOps(device, accelerator, tiled);
    }

    /// <summary>
    /// The environment variable that picks the GEMM-shaped kernels of the ILGPU backends: <c>auto</c> (the default:
    /// tiled on GPUs, simple on the simulator), <c>simple</c> or <c>tiled</c> (on the simulator this also switches
    /// to <see cref="TiledSimulatorDevice"/>). Read when a device is created.
    /// </summary>
    public const string KernelsVariable = "REVNET_KERNELS";

    /// <summary>The registry entry of NVIDIA GPUs.</summary>
    public static BackendFactory Cuda { get; } =
        new(DeviceKind.Cuda, () => ProbeGpu(DeviceKind.Cuda), device => CreateGpu(device, DeviceKind.Cuda));

    /// <summary>The registry entry of OpenCL GPUs with generic address space support.</summary>
    public static BackendFactory OpenCL { get; } =
        new(DeviceKind.OpenCL, () => ProbeGpu(DeviceKind.OpenCL), device => CreateGpu(device, DeviceKind.OpenCL));

    /// <summary>The registry entry of ILGPU's CPU accelerator: the GPU kernels simulated, for tests.</summary>
    public static BackendFactory Simulator { get; } = new(
        DeviceKind.IlgpuCpu, ProbeSimulator, device => CreateSimulator(device, TiledRequested(onGpu: false)));

    /// <summary>
    /// The CPU accelerator on <see cref="TiledSimulatorDevice"/> with the tiled kernels, whatever
    /// <see cref="KernelsVariable"/> says: the oracle the tiled-kernel tests run on. Not in the registry.
    /// </summary>
    public static BackendFactory TiledSimulator { get; } =
        new(DeviceKind.IlgpuCpu, ProbeSimulator, device => CreateSimulator(device, tiled: true));

    /// <summary>
    /// The simulated device of <see cref="DeviceKind.IlgpuCpu"/>: one multiprocessor with one warp of four threads.
    /// The simulator runs one OS thread per simulated thread and a barrier per group; with grid-stride kernels a
    /// few threads with long loops cost far less than many short ones (measured on 2 cores: 2 or 4 threads run the
    /// small conv at ~0.65 GFLOP/s, 16 threads at ~0.25).
    /// </summary>
    public static CPUDevice SimulatorDevice { get; } =
        new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 1, numMultiprocessors: 1);

    /// <summary>
    /// The simulated device for the tiled kernels: warps of 32 threads, 8 warps per multiprocessor, so groups of
    /// <see cref="TiledGemmKernels.GroupSize"/> threads fit (<see cref="SimulatorDevice"/> rejects them).
    /// </summary>
    public static CPUDevice TiledSimulatorDevice { get; } =
        new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ITensorOps Ops { get; }

    /// <inheritdoc />
    public Accelerator? Accelerator { get; }

    /// <summary>Releases the accelerator (and with it every loaded kernel) and the context.</summary>
    public void Dispose()
    {
        Accelerator?.Dispose();
        _context.Dispose();
    }

    private static BackendProbe ProbeSimulator() =>
        new(DeviceKind.IlgpuCpu, true, "ILGPU CPU accelerator", "GPU simulator for tests; slow");

    private static IlgpuBackend CreateSimulator(ComputeDevice device, bool tiled)
    {
        CPUDevice simulated = tiled ? TiledSimulatorDevice : SimulatorDevice;
        var context = global::ILGPU.Context.Create(b => b.CPU(simulated).EnableAlgorithms());
        Accelerator accelerator = context.GetCPUDevice(0).CreateAccelerator(context);
        string name = tiled ? "ILGPU CPU accelerator (simulator, tiled kernels)" : "ILGPU CPU accelerator (simulator)";
        return new IlgpuBackend(device, context, accelerator, name, tiled);
    }

    /// <summary>Whether <see cref="KernelsVariable"/> asks for the tiled kernels (auto: on GPUs only).</summary>
    /// <exception cref="ArgumentException">The variable holds something other than auto, simple or tiled.</exception>
    private static bool TiledRequested(bool onGpu)
    {
        string value = Environment.GetEnvironmentVariable(KernelsVariable)?.Trim().ToUpperInvariant() ?? string.Empty;
        return value switch
        {
            "" or "AUTO" => onGpu,
            "SIMPLE" => false,
            "TILED" => true,
            _ => throw new ArgumentException(
                $"{KernelsVariable}='{value}' is not a kernel choice. Expected one of: auto, simple, tiled."),
        };
    }

    private static IlgpuBackend CreateGpu(ComputeDevice device, DeviceKind kind)
    {
        var context = global::ILGPU.Context.Create(b => b.Default().EnableAlgorithms());
        try
        {
            BackendProbe probe = Probe(context, kind);
            if (!probe.Available)
            {
                throw new DeviceUnavailableException(
                    $"No usable {kind} device: {probe.Reason}. Use DeviceKind.Auto or Host to run on the CPU.");
            }

            Device gpu = kind == DeviceKind.Cuda ? context.GetCudaDevices()[0] : FirstUsableCL(context)!;
            return new IlgpuBackend(
                device, context, gpu.CreateAccelerator(context), gpu.Name, TiledRequested(onGpu: true));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static BackendProbe ProbeGpu(DeviceKind kind)
    {
        try
        {
            using var context = global::ILGPU.Context.Create(b => b.Default());
            return Probe(context, kind);
        }
#pragma warning disable CA1031 // Discovery reports every failure as a reason instead of throwing.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new BackendProbe(kind, false, string.Empty, "ILGPU context failed: " + ex.Message);
        }
    }

    private static BackendProbe Probe(global::ILGPU.Context context, DeviceKind kind)
    {
        if (kind == DeviceKind.Cuda)
        {
            int count = context.GetCudaDevices().Count;
            return count > 0
                ? new BackendProbe(DeviceKind.Cuda, true, context.GetCudaDevices()[0].Name, $"{count} device(s)")
                : new BackendProbe(DeviceKind.Cuda, false, string.Empty, "no CUDA driver or no NVIDIA GPU found");
        }

        if (context.GetCLDevices().Count == 0)
        {
            return new BackendProbe(DeviceKind.OpenCL, false, string.Empty, "no OpenCL platform or device found");
        }

        CLDevice? usable = FirstUsableCL(context);
        return usable is not null
            ? new BackendProbe(DeviceKind.OpenCL, true, usable.Name, "GPU with generic address space")
            : new BackendProbe(
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
}
