using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using RevNet.ILGPU.Host;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// Host convolution kernels. Targets (issue #2), 3x3 conv N=32, C=K=32, 32x32, pad 1, stride 1: forward
/// ≥ 100 GFLOP/s; forward + backward-input + backward-weight (3 × forward FLOPs) ≥ 60 GFLOP/s.
/// "Stride2" is a RevNet downsampling conv (32→64 channels, 32x32 → 16x16) on the general paths.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[Config(typeof(GflopsConfig))]
public class Conv2dBenchmarks
{
    private float[] _x = [];
    private float[] _w = [];
    private float[] _y = [];
    private float[] _dx = [];
    private float[] _dw = [];
    private float[] _dy = [];
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
        var rng = new Random(7);
        _x = Random(rng, _g.N * _g.C * _g.H * _g.W);
        _w = Random(rng, _g.K * _g.C * _g.R * _g.S);
        _dy = Random(rng, _g.N * _g.K * _g.P * _g.Q);
        _y = new float[_dy.Length];
        _dx = new float[_x.Length];
        _dw = new float[_w.Length];
    }

    [Benchmark]
    public void Forward() => HostConv2d.Forward(_x, _w, _y, _g);

    [Benchmark]
    public void BackwardInput() => HostConv2d.BackwardInput(_dy, _w, _dx, _g);

    [Benchmark]
    public void BackwardWeight() => HostConv2d.BackwardWeight(_x, _dy, _dw, _g);

    [Benchmark]
    public void ForwardBackward()
    {
        HostConv2d.Forward(_x, _w, _y, _g);
        HostConv2d.BackwardInput(_dy, _w, _dx, _g);
        HostConv2d.BackwardWeight(_x, _dy, _dw, _g);
    }

    private static float[] Random(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
}
