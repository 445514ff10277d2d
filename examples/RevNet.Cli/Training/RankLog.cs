using System.Globalization;
using RevNet.ILGPU.Distributed;
using RevNet.ILGPU.Training;

namespace RevNet.Cli.Training;

/// <summary>
/// One process's log file for <c>train --rank-log DIR</c>: <c>DIR/rank&lt;R&gt;.log</c>, a time-stamped line for the start,
/// every step and epoch, and the end or the failure. Lines are flushed as they are written (a log must survive the
/// abort of a failing run), so unlike reports and checkpoints it is not written atomically; a rerun replaces it.
/// </summary>
internal sealed class RankLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly string _prefix;

    private RankLog(string path, Communicator world)
    {
        Path = path;
        _prefix = $"rank {world.Rank}/{world.Size}";
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Opens this rank's log in <paramref name="directory"/> (created if needed), or null without one.</summary>
    /// <exception cref="CliException">The folder or the file cannot be written.</exception>
    public static RankLog? Open(string? directory, Communicator world)
    {
        if (directory is null)
        {
            return null;
        }

        string path = System.IO.Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"rank{world.Rank}.log"));
        try
        {
            Directory.CreateDirectory(directory);
            var log = new RankLog(path, world);
            log.Line($"started on {Environment.MachineName}, process {Environment.ProcessId}: {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}");
            return log;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--rank-log: cannot write '{path}': {ex.Message}");
        }
    }

    /// <summary>Writes one time-stamped line.</summary>
    public void Line(string text) =>
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {_prefix} {text}"));

    /// <summary>Logs every step and epoch the trainer reports.</summary>
    public void Follow(Trainer trainer) => trainer.Progress += (_, p) =>
    {
        if (p.Kind == ProgressKind.Step)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch} step {p.Step}/{p.StepsPerEpoch} (global {p.GlobalStep}): loss {p.Loss:F4} (global batch), lr {p.LearningRate:G4}"));
        }
        else if (p is { Kind: ProgressKind.EpochCompleted, Metrics: { } m })
        {
            Line(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {m.Epoch} done: train loss {m.TrainLoss:F4}, train acc {m.TrainAccuracy:P2}, test acc {m.TestAccuracy ?? double.NaN:P2}, {m.ImagesPerSecond:F0} img/s"));
        }
    };

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
