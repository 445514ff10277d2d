using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using RevNet.ILGPU.Host;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// Host SGEMM, C = op(A)·op(B), square sizes, all transpose combinations (issue #2 target: 1024³ ≥ 150 GFLOP/s).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    [Params(256, 1024)]
    public int Size { get; set; }

    [Params(false, true)]
    public bool TransA { get; set; }

    [Params(false, true)]
    public bool TransB { get; set; }

    public static double Flops(BenchmarkCase c)
    {
        double n = Convert.ToDouble(c.Parameters["Size"], System.Globalization.CultureInfo.InvariantCulture);
        return 2 * n * n * n;
    }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Size * Size];
    }

    [Benchmark]
    public void Sgemm() => HostGemm.Sgemm(TransA, TransB, Size, Size, Size, 1f, _a, Size, _b, Size, 0f, _c, Size);
}
