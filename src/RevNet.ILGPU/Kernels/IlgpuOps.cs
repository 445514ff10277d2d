using ILGPU.Runtime;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The ILGPU backend (Cuda, OpenCL and the IlgpuCpu simulator): launches the kernels on one accelerator's default
/// stream through a <see cref="KernelCache"/>. Each op family's launches (<c>IlgpuOps.Family.cs</c>) sit beside its
/// kernels, Host code and checks in <c>Ops/Family/</c>. Every kernel is a grid-stride loop launched with
/// at most <see cref="Accelerator.MaxNumThreads"/> threads, so the CPU simulator runs a handful of long-lived threads
/// instead of one per element. Scratch (reduction partials, labels, per-row losses) is rented from the device's
/// <see cref="BufferPool"/> for one op and returned at its end: launches on the one stream run in order, so the next
/// op that rents the buffer writes it only after this op's kernels have read it. Nothing synchronizes except the
/// loss (which reads its per-row losses back).
/// </summary>
/// <remarks>
/// Every kernel method carries <c>[MethodImpl(MethodImplOptions.AggressiveOptimization)]</c>: the CPU simulator
/// calls the kernel's own IL, and without the attribute .NET runs the first ~30 launches of each kernel as
/// unoptimized tier-0 code (measured 6–14 ms instead of 0.5–0.9 ms for a small conv weight gradient). GPU backends
/// ignore the flag.
/// </remarks>
internal sealed partial class IlgpuOps : ITensorOps
{
    private readonly int _maxThreads;
    private readonly KernelCache _kernels;
    private float[] _rowLossHost = [];

    /// <summary>Creates the backend for one accelerator; kernels are loaded on first use.</summary>
    /// <param name="device">The device that owns this backend (its pool provides the scratch).</param>
    /// <param name="accelerator">The ILGPU accelerator (owned by <paramref name="device"/>).</param>
    /// <param name="tiled">Whether GEMM-shaped ops run on the tiled kernels (see <see cref="Tiled"/>).</param>
    public IlgpuOps(ComputeDevice device, Accelerator accelerator, bool tiled)
    {
        Device = device;
        Tiled = tiled && accelerator.MaxNumThreadsPerGroup >= TiledGemmKernels.GroupSize;
        _kernels = new KernelCache(accelerator);
        _maxThreads = (int)Math.Max(1, Math.Min(accelerator.MaxNumThreads, 1L << 20));
    }

    /// <summary>The device that owns this backend.</summary>
    public ComputeDevice Device { get; }

    /// <summary>How many kernels this backend has loaded so far.</summary>
    public int LoadedKernels => _kernels.Count;

    private static int Count(Tensor t) => checked((int)t.ElementCount);

    /// <summary>Threads for a grid-stride launch over <paramref name="count"/> items (at least 1).</summary>
    private int Threads(int count) => Math.Max(1, Math.Min(count, _maxThreads));

    /// <summary>Scratch of <paramref name="length"/> floats from the pool (counted as workspace); dispose after use.</summary>
    private Tensor Workspace(int length) => Device.Pool.Rent(new Shape(length), MemoryCategory.Workspace);
}
