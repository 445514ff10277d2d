using System.Runtime.ExceptionServices;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>
/// The managed CPU backend: every <see cref="ITensorOps"/> op as plain C# over the tensors' pinned arrays, with
/// <c>TensorPrimitives</c> for the simple elementwise ops, hand-written Vector512/256/128 loops (FMA) elsewhere, and
/// <see cref="Parallel.For(int, int, Action{int})"/> over independent (n, c) planes or element ranges for big
/// tensors. Split by op family over the <c>HostOps.Family.cs</c> partial files in <c>Ops/Family/</c>.
/// </summary>
/// <remarks>
/// Determinism: parallel work only ever splits <i>independent outputs</i>. Every reduction is either done by one
/// worker in a fixed order, or as fixed per-plane partial sums (one plane = one worker, one fixed vector order)
/// that are then added in plane order on one thread, so the bits never depend on how Parallel.For partitions.
/// </remarks>
internal sealed partial class HostOps : ITensorOps
{
    /// <summary>
    /// At most one worker per hardware thread in every parallel loop: the thread pool may add threads under load, and
    /// each worker's scratch is memory.
    /// </summary>
    internal static readonly ParallelOptions Workers = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Below this much work (elements) an op runs on the calling thread; a Parallel.For costs 5+ µs.</summary>
    private const long ParallelThreshold = 1L << 16;

    /// <summary>The least work (elements) given to one parallel chunk.</summary>
    private const long MinChunkWork = 1L << 14;

    /// <summary>
    /// The longest span handed to one TensorPrimitives call: above 256 KB it switches to non-temporal stores, which
    /// bypass the cache that the next op reads this output from (Add on 4 MB then a read of y: 1.7x slower).
    /// </summary>
    private const int MaxPrimitiveSpan = 1 << 14;

    /// <summary>Creates the Host ops of a device.</summary>
    /// <param name="device">The owning device.</param>
    public HostOps(ComputeDevice device)
    {
        Device = device;
    }

    /// <summary>The owning device.</summary>
    public ComputeDevice Device { get; }

    /// <inheritdoc />
    public unsafe void Fill(Tensor y, float value)
    {
        fixed (float* py = y.Span)
        {
            float* xy = py;
            ElementwiseRanges((int)y.ElementCount, (s, e) => new Span<float>(xy + s, e - s).Fill(value));
        }
    }

    /// <inheritdoc />
    public unsafe void Copy(Tensor src, Tensor dst)
    {
        if (ReferenceEquals(src, dst))
        {
            return;
        }

        fixed (float* ps = src.Span, pd = dst.Span)
        {
            float* xs = ps;
            float* xd = pd;
            ElementwiseRanges((int)src.ElementCount, (s, e) =>
                new ReadOnlySpan<float>(xs + s, e - s).CopyTo(new Span<float>(xd + s, e - s)));
        }
    }

    /// <summary>
    /// Runs body(start, end) over [0, count) in contiguous chunks, in parallel when count · workPerItem is large.
    /// Items must be independent: the chunking may change from run to run, the results may not.
    /// </summary>
    private static void ParallelRanges(int count, long workPerItem, Action<int, int> body)
    {
        long total = count * Math.Max(workPerItem, 1);
        int workers = Environment.ProcessorCount;
        if (workers <= 1 || count < 2 || total < ParallelThreshold)
        {
            body(0, count);
            return;
        }

        int chunks = (int)Math.Clamp(Math.Min(workers * 4L, total / MinChunkWork), 2, count);
        Parallel.For(0, chunks, HostOps.Workers, i =>
        {
            int start = (int)((long)count * i / chunks);
            int end = (int)((long)count * (i + 1) / chunks);
            body(start, end);
        });
    }

    /// <summary>
    /// Runs body(start, end) over [0, length) in pieces of at most <see cref="MaxPrimitiveSpan"/> elements, in
    /// parallel when long. For elementwise ops (any split gives the same bits).
    /// </summary>
    private static void ElementwiseRanges(int length, Action<int, int> body) =>
        ParallelRanges(length, 1, (s, e) =>
        {
            for (int i = s; i < e; i += MaxPrimitiveSpan)
            {
                body(i, Math.Min(i + MaxPrimitiveSpan, e));
            }
        });

    /// <summary>
    /// Runs a GEMM-based op with its scratch leased from this device's pool (<see cref="GemmScratch.Lease"/>). A
    /// worker that runs out of pool memory surfaces as the <see cref="DeviceOutOfMemoryException"/> itself, not
    /// wrapped in Parallel.For's AggregateException, so callers can handle it as any other out-of-memory.
    /// </summary>
    private void WithScratch(Action op)
    {
        using IDisposable lease = GemmScratch.Lease(Device.Pool);
        try
        {
            op();
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.OfType<DeviceOutOfMemoryException>().Any())
        {
            ExceptionDispatchInfo.Throw(ex.Flatten().InnerExceptions.OfType<DeviceOutOfMemoryException>().First());
        }
    }

    /// <summary>Scratch of <paramref name="length"/> floats from the pool (counted as workspace); dispose after use.</summary>
    private Tensor Workspace(int length) => Device.Pool.Rent(new Shape(length), MemoryCategory.Workspace);

    /// <summary>Batch, channels and plane size (product of the trailing dims) of an [N, C, ...] tensor.</summary>
    private static (int N, int C, int Plane) Planes(Tensor x)
    {
        int n = x.Shape[0];
        int c = x.Shape.Rank > 1 ? x.Shape[1] : 1;
        return (n, c, (int)(x.ElementCount / ((long)n * c)));
    }
}
