using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// The GEMM-shaped ops through the public <see cref="TensorOps"/> facade on small shapes, Host vs the IlgpuCpu
/// device (ILGPU's CPU accelerator is a GPU simulator: expect it to be orders of magnitude slower; it exists for
/// correctness). Timings include the facade's checks and, for IlgpuCpu, the accelerator synchronisation.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
[Config(typeof(GflopsConfig))]
public class DeviceOpsBenchmarks : IDisposable
{
    private static readonly Conv2dGeometry Conv = Conv2dGeometry.Create(2, 8, 16, 16, 8, 3, 1, 1);
    private const int Batch = 16;
    private const int InFeatures = 128;
    private const int OutFeatures = 64;

    private ComputeDevice? _device;
    private Tensor? _x;
    private Tensor? _w;
    private Tensor? _y;
    private Tensor? _dx;
    private Tensor? _dw;
    private Tensor? _dy;
    private Tensor? _lx;
    private Tensor? _lw;
    private Tensor? _lb;
    private Tensor? _ly;
    private float[] _readBack = [];

    [Params(DeviceKind.Host, DeviceKind.IlgpuCpu)]
    public DeviceKind Device { get; set; }

    public static double Flops(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name == nameof(LinearForward)
        ? 2.0 * Batch * InFeatures * OutFeatures
        : Conv.ForwardFlops;

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(Device);
        var rng = new Random(3);
        _x = Make(rng, Conv.N, Conv.C, Conv.H, Conv.W);
        _w = Make(rng, Conv.K, Conv.C, Conv.R, Conv.S);
        _dy = Make(rng, Conv.N, Conv.K, Conv.P, Conv.Q);
        _y = Make(rng, Conv.N, Conv.K, Conv.P, Conv.Q);
        _dx = Make(rng, Conv.N, Conv.C, Conv.H, Conv.W);
        _dw = Make(rng, Conv.K, Conv.C, Conv.R, Conv.S);
        _lx = Make(rng, Batch, InFeatures);
        _lw = Make(rng, OutFeatures, InFeatures);
        _lb = Make(rng, OutFeatures);
        _ly = Make(rng, Batch, OutFeatures);
        _readBack = new float[Math.Max(_x.ElementCount, _dy.ElementCount)];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _x?.Dispose();
        _w?.Dispose();
        _y?.Dispose();
        _dx?.Dispose();
        _dw?.Dispose();
        _dy?.Dispose();
        _lx?.Dispose();
        _lw?.Dispose();
        _lb?.Dispose();
        _ly?.Dispose();

        _device?.Dispose();
        _device = null;
        GC.SuppressFinalize(this);
    }

    // Reading the output back waits for the (asynchronous) ILGPU launch, so the kernel time is included.
    [Benchmark]
    public float Conv2dForward()
    {
        TensorOps.Conv2dForward(_x!, _w!, _y!, Conv);
        return Sync(_y!);
    }

    [Benchmark]
    public float Conv2dBackwardInput()
    {
        TensorOps.Conv2dBackwardInput(_dy!, _w!, _dx!, Conv);
        return Sync(_dx!);
    }

    [Benchmark]
    public float Conv2dBackwardWeight()
    {
        TensorOps.Conv2dBackwardWeight(_x!, _dy!, _dw!, Conv);
        return Sync(_dw!);
    }

    [Benchmark]
    public float LinearForward()
    {
        TensorOps.LinearForward(_lx!, _lw!, _lb!, _ly!);
        return Sync(_ly!);
    }

    private float Sync(Tensor t)
    {
        t.CopyTo(_readBack);
        return _readBack[0];
    }

    private Tensor Make(Random rng, params int[] dims)
    {
        Tensor t = _device!.Pool.Rent(new Shape(dims), MemoryCategory.Workspace);
        float[] data = new float[t.ElementCount];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)rng.NextDouble() - 0.5f;
        }

        t.CopyFrom(data);
        return t;
    }
}
