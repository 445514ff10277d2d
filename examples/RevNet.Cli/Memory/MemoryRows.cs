using System.Text.Json;
using System.Text.Json.Serialization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Training;

namespace RevNet.Cli.Memory;

/// <summary>
/// The <c>memory</c> command's rows: measuring them with <see cref="MemoryBenchmark"/>, and their JSON form, an array of
/// objects with the fields model, depth, mode, batch, activationPeakBytes, totalPeakBytes (live), forwardMs, backwardMs,
/// stepMs, reservedPeakBytes, processGrowthBytes and inputPixels.
/// </summary>
internal static class MemoryRows
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>
    /// The cases for a list of models: RevNets in Store and Reconstruct, ResNets in Store, in the order given.
    /// </summary>
    public static IReadOnlyList<(string Model, ActivationMode Mode)> Cases(IEnumerable<string> models)
    {
        var cases = new List<(string, ActivationMode)>();
        foreach (string name in models)
        {
            if (RevNet.ILGPU.Models.ModelZoo.Spec(name).Reversible)
            {
                cases.Add((name, ActivationMode.Store));
                cases.Add((name, ActivationMode.Reconstruct));
            }
            else
            {
                cases.Add((name, ActivationMode.Store));
            }
        }

        return cases;
    }

    /// <summary>
    /// Measures each case on the device, trimming the pool between cases; with <paramref name="profiles"/>, profiles one
    /// more step of each case and adds its profiler there.
    /// </summary>
    public static List<MemoryBenchmarkRow> Measure(
        ComputeDevice device,
        IReadOnlyList<(string Model, ActivationMode Mode)> cases,
        int batch,
        int steps,
        Action<int, (string Model, ActivationMode Mode)>? starting,
        CancellationToken cancellationToken,
        List<OpProfiler>? profiles = null)
    {
        var rows = new List<MemoryBenchmarkRow>();
        for (int i = 0; i < cases.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            starting?.Invoke(i, cases[i]);
            OpProfiler? profiler = profiles is null ? null : new OpProfiler();
            rows.Add(MemoryBenchmark.Run(device, cases[i].Model, cases[i].Mode, batch, steps, profiler: profiler));
            if (profiler is not null)
            {
                profiles!.Add(profiler);
            }

            device.Pool.Trim();
        }

        return rows;
    }

    public static void Write(string path, IEnumerable<MemoryBenchmarkRow> rows)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        List<Row> dto = [.. rows.Select(r => new Row(
            r.Model, r.Depth, r.Mode, r.Batch, r.ActivationPeakBytes, r.TotalPeakBytes, r.ForwardMs, r.BackwardMs, r.StepMs,
            r.ReservedPeakBytes, r.ProcessGrowthBytes, r.InputPixels))];
        AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(dto, Json) + "\n"));
    }

    /// <summary>Reads rows written by <see cref="Write"/>.</summary>
    /// <exception cref="CliException">The file is missing or not such an array.</exception>
    public static List<MemoryBenchmarkRow> Read(string path)
    {
        InputFiles.Require("the memory rows file", path);

        List<Row>? dto;
        try
        {
            dto = JsonSerializer.Deserialize<List<Row>>(RegularFile.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new CliException($"'{path}' is not a JSON array of memory rows ({ex.Message})", ex);
        }

        if (dto is null || dto.Any(r => r is null || string.IsNullOrEmpty(r.Model) || r.Mode is not ("store" or "reconstruct")))
        {
            throw new CliException($"'{path}' is not a JSON array of memory rows (each needs model and mode store|reconstruct).");
        }

        return [.. dto.Select(r => new MemoryBenchmarkRow(
            r.Model, r.Depth, r.Mode, r.Batch, r.ActivationPeakBytes, r.TotalPeakBytes, r.ForwardMs, r.BackwardMs, r.StepMs, 0,
            r.ReservedPeakBytes, r.ProcessGrowthBytes, r.InputPixels))];
    }

    /// <summary>The Store row of the same model and batch, for the Reconstruct/Store ratio.</summary>
    public static MemoryBenchmarkRow? StoreTwin(IEnumerable<MemoryBenchmarkRow> rows, MemoryBenchmarkRow row) =>
        rows.FirstOrDefault(r => r.Model == row.Model && r.Batch == row.Batch && r.Mode == "store");

    private sealed record Row(
        [property: JsonRequired] string Model,
        int Depth,
        [property: JsonRequired] string Mode,
        int Batch,
        long ActivationPeakBytes,
        long TotalPeakBytes,
        double ForwardMs,
        double BackwardMs,
        double StepMs,
        long ReservedPeakBytes = 0,
        long ProcessGrowthBytes = 0,
        long InputPixels = 0);
}
