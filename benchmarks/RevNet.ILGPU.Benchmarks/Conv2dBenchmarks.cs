using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// Host convolution through the public <see cref="TensorOps"/>. Targets (issue #2), 3x3 conv N=32, C=K=32, 32x32,
/// pad 1, stride 1: forward ≥ 100 GFLOP/s; forward + backward-input + backward-weight (3 × forward FLOPs)
/// ≥ 60 GFLOP/s. "Stride2" is a RevNet downsampling conv (32→64 channels, 32x32 → 16x16) on the general paths.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[Config(typeof(GflopsConfig))]
public class Conv2dBenchmarks : IDisposable
{
    private ComputeDevice? _device;
    private Tensor _x = null!, _w = null!, _y = null!, _dx = null!, _dw = null!, _dy = null!;
    private Conv2dGeometry _g;

    [Params("Stride1", "Stride2")]
    public string Shape { get; set; } = "Stride1";

    public static Conv2dGeometry Geometry(string shape) => shape == "Stride2"
        ? Conv2dGeometry.Create(32, 32, 32, 32, 64, 3, 2, 1)
        : Conv2dGeometry.Create(32, 32, 32, 32, 32, 3, 1, 1);

    public static double Flops(BenchmarkCase c)
    {
        double forward = Geometry((string)c.Parameters["Shape"]).ForwardFlops;
        return c.Descriptor.WorkloadMethod.Name == nameof(ForwardBackward) ? 3 * forward : forward;
    }

    [GlobalSetup]
    public void Setup()
    {
        _g = Geometry(Shape);
        _device = ComputeDevice.Create(DeviceKind.Host);
        var rng = new Random(7);
        _x = Random(rng, _g.N, _g.C, _g.H, _g.W);
        _w = Random(rng, _g.K, _g.C, _g.R, _g.S);
        _dy = Random(rng, _g.N, _g.K, _g.P, _g.Q);
        _y = Random(rng, _g.N, _g.K, _g.P, _g.Q);
        _dx = Random(rng, _g.N, _g.C, _g.H, _g.W);
        _dw = Random(rng, _g.K, _g.C, _g.R, _g.S);
    }

    [Benchmark]
    public void Forward() => TensorOps.Conv2dForward(_x, _w, _y, _g);

    [Benchmark]
    public void BackwardInput() => TensorOps.Conv2dBackwardInput(_dy, _w, _dx, _g);

    [Benchmark]
    public void BackwardWeight() => TensorOps.Conv2dBackwardWeight(_x, _dy, _dw, _g);

    [Benchmark]
    public void ForwardBackward()
    {
        TensorOps.Conv2dForward(_x, _w, _y, _g);
        TensorOps.Conv2dBackwardInput(_dy, _w, _dx, _g);
        TensorOps.Conv2dBackwardWeight(_x, _dy, _dw, _g);
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
