using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Training;
using ScottPlot;

namespace RevNet.Cli.Plotting;

/// <summary>One training batch's loss and accuracy, at a fractional epoch (for the curves).</summary>
internal readonly record struct StepPoint(double Epoch, double Loss, double Accuracy);

/// <summary>The PNG plots of a training run (ScottPlot 5).</summary>
internal static class Plots
{
    private const int Width = 900;
    private const int Height = 520;

    /// <summary>Loss against epochs: per-step training loss, and the epoch means of training and test loss.</summary>
    public static string Loss(string folder, IReadOnlyList<EpochMetrics> history, IReadOnlyList<StepPoint> steps, string title)
    {
        var plot = new Plot();
        AddSteps(plot, steps, s => s.Loss, "train loss (per batch, moving average)");
        AddEpochs(plot, history, m => m.TrainLoss, "train loss (epoch mean)");
        AddEpochs(plot, history, m => m.TestLoss ?? double.NaN, "test loss");
        return Save(plot, folder, "loss.png", Alignment.UpperRight, "Loss: " + title, "epoch", "cross-entropy loss");
    }

    /// <summary>Accuracy against epochs, in percent.</summary>
    public static string Accuracy(string folder, IReadOnlyList<EpochMetrics> history, IReadOnlyList<StepPoint> steps, string title)
    {
        var plot = new Plot();
        AddSteps(plot, steps, s => 100 * s.Accuracy, "train accuracy (per batch, moving average)");
        AddEpochs(plot, history, m => 100 * m.TrainAccuracy, "train accuracy (epoch)");
        AddEpochs(plot, history, m => 100 * (m.TestAccuracy ?? double.NaN), "test accuracy");
        return Save(plot, folder, "accuracy.png", Alignment.LowerRight, "Accuracy: " + title, "epoch", "accuracy (%)");
    }

    /// <summary>Activation peak of a training step against depth, one series per family and mode.</summary>
    public static string MemoryAgainstDepth(string folder, IReadOnlyList<MemoryBenchmarkRow> rows)
    {
        var plot = new Plot();
        var series = rows
            .GroupBy(r => (Family: r.Model.StartsWith("revnet", StringComparison.Ordinal) ? "RevNet" : "ResNet", r.Mode))
            .OrderBy(g => g.Key.Family, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Mode, StringComparer.Ordinal);
        foreach (var group in series)
        {
            MemoryBenchmarkRow[] points = [.. group.OrderBy(r => r.Depth)];
            double[] xs = [.. points.Select(r => (double)r.Depth)];
            double[] ys = [.. points.Select(r => Units.ToMib(r.ActivationPeakBytes))];
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = $"{group.Key.Family} ({group.Key.Mode})";
            scatter.MarkerSize = 8;
            scatter.LineWidth = 2;
            // Name the points once per depth: the Store RevNet line runs on top of the ResNet one.
            foreach (MemoryBenchmarkRow r in group.Key.Family == "RevNet" && group.Key.Mode == "store" ? [] : points)
            {
                var label = plot.Add.Text(r.Model, r.Depth, Units.ToMib(r.ActivationPeakBytes));
                label.LabelFontSize = 11;
                label.LabelOffsetX = 6;
                label.LabelOffsetY = -14;
            }
        }

        int[] batches = [.. rows.Select(r => r.Batch).Distinct()];
        string batch = batches.Length == 1 ? $"batch {batches[0]}" : "mixed batches";
        double top = rows.Count == 0 ? 1 : rows.Max(r => Units.ToMib(r.ActivationPeakBytes));
        double right = rows.Count == 0 ? 1 : rows.Max(r => r.Depth);
        plot.Axes.SetLimits(0, right * 1.15, 0, top * 1.12);
        return Save(plot, folder, "memory.png", Alignment.UpperLeft, $"Activation memory of a training step against depth (3x32x32, {batch})", "depth (layers)", "activation peak (MiB)");
    }

    private static void AddSteps(Plot plot, IReadOnlyList<StepPoint> steps, Func<StepPoint, double> value, string legend)
    {
        if (steps.Count == 0)
        {
            return;
        }

        // A trailing moving average over about 2% of the run, then at most ~2000 points.
        int window = Math.Clamp(steps.Count / 50, 1, 100);
        int stride = Math.Max(1, steps.Count / 2000);
        var xs = new List<double>();
        var ys = new List<double>();
        double sum = 0;
        for (int i = 0; i < steps.Count; i++)
        {
            sum += value(steps[i]);
            if (i >= window)
            {
                sum -= value(steps[i - window]);
            }

            if (i % stride == 0 || i == steps.Count - 1)
            {
                xs.Add(steps[i].Epoch);
                ys.Add(sum / Math.Min(i + 1, window));
            }
        }

        var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
        line.LegendText = legend;
        line.LineWidth = 1.5f;
    }

    private static void AddEpochs(Plot plot, IReadOnlyList<EpochMetrics> history, Func<EpochMetrics, double> value, string legend)
    {
        EpochMetrics[] points = [.. history.Where(m => !double.IsNaN(value(m)))];
        if (points.Length == 0)
        {
            return;
        }

        var scatter = plot.Add.Scatter(points.Select(m => (double)m.Epoch).ToArray(), points.Select(value).ToArray());
        scatter.LegendText = legend;
        scatter.MarkerSize = 9;
        scatter.LineWidth = 2;
    }

    private static string Save(Plot plot, string folder, string name, Alignment legend, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        RevNet.ILGPU.Training.AtomicFile.WriteAllBytes(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
        return path;
    }
}
