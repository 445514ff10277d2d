using System.Text;
using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Training;

/// <summary>
/// A model's state as checkpoints hold it: every parameter and buffer by name, copied to and from the host with the
/// names and shapes checked before anything changes.
/// </summary>
public static class ModelState
{
    /// <summary>Copies every parameter and buffer of a model to the host, for <see cref="CheckpointData"/>.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The parameters and the buffers.</returns>
    /// <exception cref="InvalidOperationException">Two parameters (or two buffers) share a name.</exception>
    public static (IReadOnlyList<NamedArray> Parameters, IReadOnlyList<NamedArray> Buffers) Capture(ILayer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (CaptureList(model.Parameters, "parameter"), CaptureList(model.Buffers, "buffer"));
    }

    /// <summary>
    /// Copies a checkpoint's parameters and buffers into a model after checking the architecture id, and that the
    /// names and shapes match exactly. Nothing is changed when a check fails.
    /// </summary>
    /// <param name="data">The checkpoint.</param>
    /// <param name="model">The model.</param>
    /// <param name="architectureId">The model's architecture id.</param>
    /// <param name="source">The file name for error messages.</param>
    /// <exception cref="CheckpointException">Another architecture, or names or shapes differ.</exception>
    public static void Apply(CheckpointData data, ILayer model, string architectureId, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(architectureId);
        if (!string.Equals(data.ArchitectureId, architectureId, StringComparison.Ordinal))
        {
            throw new CheckpointException(
                source, -1, $"it was saved from architecture '{data.ArchitectureId}', but the model is '{architectureId}'");
        }

        Match(data.Parameters, model.Parameters, "parameter", source);
        Match(data.Buffers, model.Buffers, "buffer", source);
        Copy(data.Parameters, model.Parameters);
        Copy(data.Buffers, model.Buffers);
    }

    /// <summary>Loads a checkpoint's weights and buffers into a model (for evaluation); ignores the training state.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="model">The model.</param>
    /// <param name="architectureId">The model's architecture id.</param>
    /// <returns>The checkpoint's contents.</returns>
    /// <exception cref="CheckpointException">The file is bad or does not fit the model.</exception>
    /// <exception cref="Data.NotRegularFileException">The path is a folder, a FIFO or a device.</exception>
    public static CheckpointData Load(string path, ILayer model, string architectureId)
    {
        CheckpointData data = Checkpoint.Load(path);
        Apply(data, model, architectureId, path);
        return data;
    }

    private static IReadOnlyList<NamedArray> CaptureList(IReadOnlyList<Parameter> list, string what)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<NamedArray>(list.Count);
        foreach (Parameter p in list)
        {
            if (!names.Add(p.Name))
            {
                throw new InvalidOperationException($"Two {what}s are named '{p.Name}'; checkpoints need unique names.");
            }

            result.Add(new NamedArray(p.Name, [.. p.Shape.Dims], p.Value.ToArray()));
        }

        return result;
    }

    private static void Match(IReadOnlyList<NamedArray> saved, IReadOnlyList<Parameter> model, string what, string source)
    {
        var byName = new Dictionary<string, NamedArray>(StringComparer.Ordinal);
        foreach (NamedArray a in saved)
        {
            byName[a.Name] = a;
        }

        var missing = new List<string>();
        var mismatched = new List<string>();
        foreach (Parameter p in model)
        {
            if (!byName.Remove(p.Name, out NamedArray? a))
            {
                missing.Add(p.Name);
            }
            else if (!a.Dimensions.SequenceEqual(p.Shape.Dims))
            {
                mismatched.Add($"{p.Name} is {a.ShapeText} in the checkpoint, {p.Shape} in the model");
            }
        }

        if (missing.Count > 0 || byName.Count > 0 || mismatched.Count > 0)
        {
            var sb = new StringBuilder($"its {what}s do not match the model");
            if (missing.Count > 0)
            {
                sb.Append($"; missing: {List(missing)}");
            }

            if (byName.Count > 0)
            {
                sb.Append($"; not in the model: {List([.. byName.Keys])}");
            }

            if (mismatched.Count > 0)
            {
                sb.Append($"; shapes differ: {List(mismatched)}");
            }

            throw new CheckpointException(source, -1, sb.ToString());
        }
    }

    private static void Copy(IReadOnlyList<NamedArray> saved, IReadOnlyList<Parameter> model)
    {
        var byName = saved.ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (Parameter p in model)
        {
            p.Value.CopyFrom(byName[p.Name].Data);
        }
    }

    private static string List(List<string> items) =>
        items.Count <= 5 ? string.Join(", ", items) : string.Join(", ", items.Take(5)) + $" and {items.Count - 5} more";
}
