using System.Globalization;
using System.Text;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>Prints an <see cref="OpProfiler"/>'s record as plain-text tables.</summary>
public static class OpProfileTable
{
    /// <summary>
    /// The per-op table (op, calls, total ms, % of step, GB moved, GB/s; slowest first, with a row for the step's
    /// time outside ops) and the per-layer table of the <paramref name="topLayers"/> slowest layer passes.
    /// </summary>
    /// <param name="profiler">The profiler.</param>
    /// <param name="topLayers">How many layer passes to list (0: none).</param>
    /// <returns>The tables, one line each row, ending with a newline.</returns>
    /// <remarks>The % column is of the profiler's <see cref="OpProfiler.StepTime"/>.</remarks>
    public static string Format(OpProfiler profiler, int topLayers = 10)
    {
        ArgumentNullException.ThrowIfNull(profiler);
        TimeSpan step = profiler.StepTime;
        ArgumentOutOfRangeException.ThrowIfNegative(topLayers);
        var sb = new StringBuilder();
        Line(sb, "op", "calls", "total ms", "% of step", "GB moved", "GB/s");
        foreach (OpProfileEntry e in profiler.Ops.OrderByDescending(e => e.Time))
        {
            Line(sb, e.Op, Int(e.Calls), Ms(e.Time), Percent(e.Time, step), Gb(e.Bytes), Fixed(e.BytesPerSecond / 1e9, 2));
        }

        TimeSpan ops = profiler.OpTime;
        Line(sb, "(outside ops)", "", Ms(step - ops), Percent(step - ops, step), "", "");
        Line(sb, "step", "", Ms(step), Percent(step, step), Gb(profiler.Ops.Sum(e => e.Bytes)), "");
        if (topLayers == 0)
        {
            return sb.ToString();
        }

        sb.AppendLine();
        Line(sb, "layer", "calls", "total ms", "% of step", "GB moved", "  pass");
        foreach (LayerProfileEntry l in profiler.Layers.OrderByDescending(l => l.Time).Take(topLayers))
        {
            string pass = l.Backward ? $"backward ({l.Action.ToString().ToLowerInvariant()})" : "forward";
            Line(sb, $"#{Int(l.Index)} {l.Layer}", Int(l.Calls), Ms(l.Time), Percent(l.Time, step), Gb(l.Bytes), "  " + pass);
        }

        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string name, params ReadOnlySpan<string> cells)
    {
        sb.Append(name.PadRight(28));
        foreach (string c in cells)
        {
            sb.Append(c.StartsWith(' ') ? c : c.PadLeft(12));
        }

        sb.AppendLine();
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Fixed(double v, int digits) => v.ToString("F" + Int(digits), CultureInfo.InvariantCulture);

    private static string Ms(TimeSpan t) => Fixed(t.TotalMilliseconds, 1);

    private static string Gb(long bytes) => Fixed(bytes / 1e9, 3);

    private static string Percent(TimeSpan t, TimeSpan step) =>
        step > TimeSpan.Zero ? Fixed(100 * t.TotalMilliseconds / step.TotalMilliseconds, 1) : "-";
}
