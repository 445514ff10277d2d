using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.Cli.Training;

/// <summary>
/// The summary of a training run, written as JSON (camelCase) by the CLI's <c>--report FILE</c>:
/// test accuracy, epochs, seconds, device, model, parameter count, peak memory, and the per-epoch history.
/// </summary>
public sealed record RunReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The final test accuracy, a fraction in [0, 1] (null without a test set).</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Epochs trained.</summary>
    public int Epochs { get; init; }

    /// <summary>Wall-clock seconds of training and evaluation.</summary>
    public double Seconds { get; init; }

    /// <summary>The device, e.g. <c>Host (CPU, 2 threads, AVX-512)</c>.</summary>
    public string Device { get; init; } = string.Empty;

    /// <summary>The model (architecture id or name).</summary>
    public string Model { get; init; } = string.Empty;

    /// <summary>Trainable parameters (scalars).</summary>
    public long ParameterCount { get; init; }

    /// <summary>The pool's peak bytes of activations.</summary>
    public long ActivationPeakBytes { get; init; }

    /// <summary>The pool's peak bytes in use, all categories together.</summary>
    public long TotalPeakBytes { get; init; }

    /// <summary>The pool's peak bytes held from the device (reserved).</summary>
    public long ReservedPeakBytes { get; init; }

    /// <summary>The process's peak resident set size at the end of the run.</summary>
    public long ProcessPeakBytes { get; init; }

    /// <summary>GPU: device memory in use from the driver at the end of the run; null elsewhere.</summary>
    public long? DeviceMemoryBytes { get; init; }

    /// <summary>Peak bytes per memory category.</summary>
    public IReadOnlyDictionary<string, long> PeakBytesByCategory { get; init; } = new Dictionary<string, long>();

    /// <summary>Global training steps.</summary>
    public long Steps { get; init; }

    /// <summary>Batches skipped because of a NaN or infinite loss.</summary>
    public long SkippedBatches { get; init; }

    /// <summary>Free-form settings of the run (optimizer, batch size, seed, schedule, ...).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Every epoch's metrics.</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    /// <summary>Builds a report from a finished run.</summary>
    /// <param name="result">What <see cref="Trainer.Fit"/> returned.</param>
    /// <param name="device">The device it ran on.</param>
    /// <param name="model">The model's name or architecture id.</param>
    /// <param name="parameterCount">Trainable parameters.</param>
    /// <param name="settings">Optional settings to record.</param>
    /// <returns>The report.</returns>
    public static RunReport From(
        TrainingResult result, ComputeDevice device, string model, long parameterCount, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        return new RunReport
        {
            TestAccuracy = result.TestAccuracy,
            Epochs = result.History.Count,
            Seconds = result.Seconds,
            Device = device.ToString(),
            Model = model,
            ParameterCount = parameterCount,
            ActivationPeakBytes = result.PeakBytesByCategory.GetValueOrDefault(nameof(MemoryCategory.Activations)),
            TotalPeakBytes = result.PeakInUseBytes,
            PeakBytesByCategory = result.PeakBytesByCategory,
            Steps = result.GlobalStep,
            SkippedBatches = result.SkippedBatches,
            Settings = settings ?? new Dictionary<string, string>(),
            History = result.History,
        };
    }

    /// <summary>Reads a report written by <see cref="Write"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The report.</returns>
    /// <exception cref="JsonException">The text is not a report.</exception>
    public static RunReport Parse(string json) =>
        JsonSerializer.Deserialize<RunReport>(json, Json) ?? throw new JsonException("The report is null.");

    /// <summary>The report as indented camelCase JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the report as JSON, atomically (temporary file, flush, rename).</summary>
    /// <param name="path">The file; its folder is created if needed.</param>
    public void Write(string path) => AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(ToJson() + "\n"));
}
