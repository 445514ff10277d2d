using System.Diagnostics;
using System.Globalization;
using RevNet.ILGPU.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RevNet.Cli.Training;

/// <summary>
/// Shows training progress (epoch, step, loss, accuracy, images/s, memory): a live Spectre table on an interactive
/// console, plain lines (about ten per epoch) when the output is redirected.
/// </summary>
internal abstract class ProgressView
{
    public static ProgressView Create(CliContext context) =>
        context.IsTerminal ? new LiveView(context.Console) : new PlainView(context.Out);

    /// <summary>Runs the training inside the view (a live display needs the work to run within it).</summary>
    public abstract T Run<T>(Func<T> work);

    /// <summary>Handles one progress event from the trainer (on the training thread).</summary>
    public abstract void Update(TrainingProgress progress);

    protected static string Memory(TrainingProgress p) => $"{Units.Mib(p.InUseBytes)} (peak {Units.Mib(p.PeakInUseBytes)})";

    private sealed class PlainView(TextWriter output) : ProgressView
    {
        public override T Run<T>(Func<T> work) => work();

        public override void Update(TrainingProgress p)
        {
            if (p.Kind == ProgressKind.EpochCompleted && p.Metrics is { } m)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} done: train loss {Units.Fixed(m.TrainLoss, 4)}, train acc {Units.Percent(m.TrainAccuracy)}, "
                    + $"test loss {Units.Fixed(m.TestLoss ?? double.NaN, 4)}, test acc {Units.Percent(m.TestAccuracy)}, "
                    + $"{m.ImagesPerSecond:F0} img/s, {Units.Seconds(m.TrainSeconds)} train + {Units.Seconds(m.EvalSeconds)} eval"));
                output.Flush();
                return;
            }

            int every = Math.Max(1, p.StepsPerEpoch / 10);
            if (p.Step % every == 0 || p.Step == 1)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch}: loss {Units.Fixed(p.Loss, 4)} "
                    + $"(epoch {Units.Fixed(p.EpochLoss, 4)}), acc {Units.Percent(p.EpochAccuracy)}, lr {p.LearningRate:G3}, "
                    + $"{p.ImagesPerSecond:F0} img/s, memory {Memory(p)}"));
                output.Flush();
            }
        }
    }

    private sealed class LiveView(IAnsiConsole console) : ProgressView
    {
        private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);
        private readonly List<TrainingProgress> _epochs = [];
        private readonly Stopwatch _sinceRefresh = Stopwatch.StartNew();
        private LiveDisplayContext? _live;
        private TrainingProgress? _current;

        public override T Run<T>(Func<T> work)
        {
            T result = default!;
            console.Live(Render())
                .AutoClear(false)
                .Overflow(VerticalOverflow.Ellipsis)
                .Start(ctx =>
                {
                    _live = ctx;
                    try
                    {
                        result = work();
                    }
                    finally
                    {
                        _current = null;
                        ctx.UpdateTarget(Render());
                        _live = null;
                    }
                });
            return result;
        }

        public override void Update(TrainingProgress p)
        {
            if (p.Kind == ProgressKind.EpochCompleted)
            {
                _epochs.Add(p);
                _current = null;
            }
            else
            {
                _current = p;
            }

            if (_live is not null && (p.Kind == ProgressKind.EpochCompleted || _sinceRefresh.Elapsed >= RefreshInterval))
            {
                _live.UpdateTarget(Render());
                _sinceRefresh.Restart();
            }
        }

        private static string Bar(int done, int total, int width = 24)
        {
            int filled = total > 0 ? (int)Math.Round(width * (double)done / total) : 0;
            return "[green]" + new string('━', filled) + "[/][grey]" + new string('━', width - filled) + "[/]";
        }

        private IRenderable Render()
        {
            var table = new Table()
                .Border(TableBorder.Rounded)
                .AddColumns("epoch", "progress", "loss", "train acc", "test acc", "img/s", "lr", "memory");
            foreach (TrainingProgress e in _epochs)
            {
                EpochMetrics m = e.Metrics!;
                table.AddRow(
                    $"{e.Epoch}/{e.Epochs}",
                    Bar(1, 1) + " done",
                    Units.Fixed(m.TrainLoss, 4),
                    Units.Percent(m.TrainAccuracy),
                    "[bold]" + Units.Percent(m.TestAccuracy) + "[/]",
                    Units.Fixed(m.ImagesPerSecond, 0),
                    m.LearningRate.ToString("G3", CultureInfo.InvariantCulture),
                    Markup.Escape(Units.Mib(m.PeakInUseBytes) + " peak"));
            }

            if (_current is { } p)
            {
                table.AddRow(
                    $"{p.Epoch}/{p.Epochs}",
                    Bar(p.Step, p.StepsPerEpoch) + $" {p.Step}/{p.StepsPerEpoch}",
                    Units.Fixed(p.EpochLoss, 4),
                    Units.Percent(p.EpochAccuracy),
                    "…",
                    Units.Fixed(p.ImagesPerSecond, 0),
                    p.LearningRate.ToString("G3", CultureInfo.InvariantCulture),
                    Markup.Escape(Memory(p)));
            }

            return table;
        }
    }
}
