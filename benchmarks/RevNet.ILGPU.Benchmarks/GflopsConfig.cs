using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace RevNet.ILGPU.Benchmarks;

/// <summary>Adds the GFLOP/s columns (at the mean and at the fastest iteration) and the Min column.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig()
    {
        AddColumn(StatisticColumn.Min, new GflopsColumn(best: false), new GflopsColumn(best: true));
    }
}
