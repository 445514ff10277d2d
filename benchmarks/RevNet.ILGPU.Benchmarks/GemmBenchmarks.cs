using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// Host SGEMM through the public linear ops on square sizes: the forward is Y = X·Wᵀ (+ bias), the backward
/// dX = dY·W and dW = dYᵀ·X (issue #2 target: 1024³ ≥ 150 GFLOP/s per GEMM).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks : IDisposable
{
    private ComputeDevice? _device;
    private Tensor _x = null!, _w = null!, _b = null!, _y = null!, _dx = null!, _dw = null!, _db = null!;

    [Params(256, 1024)]
    public int Size { get; set; }

    public static double Flops(BenchmarkCase c)
    {
        double n = Convert.ToDouble(c.Parameters["Size"], System.Globalization.CultureInfo.InvariantCulture);
        return (c.Descriptor.WorkloadMethod.Name == nameof(Backward) ? 4 : 2) * n * n * n;
    }

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(DeviceKind.Host);
        var rng = new Random(42);
        _x = Random(rng, Size, Size);
        _w = Random(rng, Size, Size);
        _b = Random(rng, Size);
        _y = Random(rng, Size, Size);
        _dx = Random(rng, Size, Size);
        _dw = Random(rng, Size, Size);
        _db = Random(rng, Size);
    }

    [Benchmark]
    public void Forward() => TensorOps.LinearForward(_x, _w, _b, _y);

    [Benchmark]
    public void Backward() => TensorOps.LinearBackward(_x, _w, _y, _dx, _dw, _db);

    [GlobalCleanup]
    public void Dispose()
    {
        _x?.Dispose();
        _w?.Dispose();
        _b?.Dispose();
        _y?.Dispose();
        _dx?.Dispose();
        _dw?.Dispose();
        _db?.Dispose();
        _device?.Dispose();
        _device = null;
        GC.SuppressFinalize(this);
    }

    private Tensor Random(Random rng, params int[] dims)
    {
        Tensor t = _device!.Pool.Rent(new Shape(dims), MemoryCategory.Workspace);
        t.CopyFrom([.. Enumerable.Range(0, (int)t.ElementCount).Select(_ => (float)rng.NextDouble() - 0.5f)]);
        return t;
    }
}
