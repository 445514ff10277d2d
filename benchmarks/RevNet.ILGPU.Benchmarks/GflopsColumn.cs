using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>
/// A "GFLOP/s" column: floating-point operations of one invocation (from the benchmark type's public static
/// <c>double Flops(BenchmarkCase)</c>) divided by the mean time, or by the fastest iteration ("best"; on a shared
/// machine the least disturbed iteration is the closest to what the code does on idle cores).
/// </summary>
public sealed class GflopsColumn : IColumn
{
    private readonly bool _best;

    public GflopsColumn(bool best = false)
    {
        _best = best;
    }

    public string Id => nameof(GflopsColumn) + (_best ? "Best" : "Mean");

    public string ColumnName => _best ? "GFLOP/s best" : "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => _best ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _best
        ? "Floating-point operations per second (2 per multiply-add) at the fastest iteration, in 1e9"
        : "Floating-point operations per second (2 per multiply-add) at the mean time, in 1e9";

    public static double? Gflops(Summary summary, BenchmarkCase benchmarkCase, bool best)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? meanNs = best ? report?.ResultStatistics?.Min : report?.ResultStatistics?.Mean;
        MethodInfo? flops = benchmarkCase.Descriptor.Type.GetMethod("Flops", BindingFlags.Public | BindingFlags.Static);
        if (meanNs is null || meanNs <= 0 || flops is null)
        {
            return null;
        }

        double count = (double)flops.Invoke(null, [benchmarkCase])!;
        return count / meanNs.Value;
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        double? g = Gflops(summary, benchmarkCase, _best);
        return g is null ? "-" : g.Value.ToString("F1", CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
