using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Onnx.Proto;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Onnx;

/// <summary>
/// Writes a model's inference (eval-mode) graph as an ONNX file that ONNX Runtime and other ONNX runtimes load: float32
/// NCHW input with a symbolic batch dimension, batch-norm folded into the convolution before it, couplings as
/// Split/Conv/Relu/Add/Concat, and the class names in the model's metadata (<c>class_names</c>, a JSON array).
/// </summary>
/// <remarks>
/// The graph reproduces <see cref="ForwardMode.Inference"/> of the library: batch-norm uses the running statistics,
/// and couplings in <see cref="CouplingArithmetic.Exact"/> round to the same 2^-15 grid with the same float operations.
/// The output is deterministic: the same weights and options give the same bytes.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The metadata key of the class names (a JSON array of strings, in label order).</summary>
    public const string ClassNamesKey = "class_names";

    /// <summary>The metadata key of the input shape the model was exported for (e.g. <c>[N,1,28,28]</c>).</summary>
    public const string InputShapeKey = "input_shape";

    /// <summary>The producer name written into every file.</summary>
    public const string ProducerName = "RevNet.ILGPU.Onnx";

    /// <summary>Exports a model to an ONNX file, atomically (a temporary file beside it, then a rename).</summary>
    /// <param name="model">The model or layer; its weights are read, it is not run.</param>
    /// <param name="inputShape">The input shape [N, C, H, W]; N is written as a symbolic dimension.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="options">Names, opset, metadata (default <see cref="OnnxExportOptions.Default"/>).</param>
    /// <exception cref="OnnxExportException">A layer has no ONNX form; the message names it.</exception>
    /// <exception cref="ArgumentException">The model cannot take the input shape, or the options are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written (the message names it); no partial file is left.</exception>
    public static void Export(ILayer model, Shape inputShape, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = ToBytes(model, inputShape, options);
        WriteAtomically(path, bytes);
    }

    /// <summary>Exports a model to ONNX bytes (see <see cref="Export"/>).</summary>
    /// <param name="model">The model or layer.</param>
    /// <param name="inputShape">The input shape [N, C, H, W].</param>
    /// <param name="options">Names, opset, metadata.</param>
    /// <returns>The serialized ONNX model.</returns>
    /// <exception cref="OnnxExportException">A layer has no ONNX form.</exception>
    /// <exception cref="ArgumentException">The model cannot take the input shape, or the options are invalid.</exception>
    public static byte[] ToBytes(ILayer model, Shape inputShape, OnnxExportOptions? options = null) =>
        Build(model, inputShape, options ?? OnnxExportOptions.Default).ToByteArray();

    internal static ModelProto Build(ILayer model, Shape inputShape, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        if (inputShape.Rank != 4)
        {
            throw new ArgumentException($"Expected an input shape [N, C, H, W], got {inputShape}.", nameof(inputShape));
        }

        Shape outputShape = model.GetOutputShape(inputShape);
        var builder = new OnnxGraphBuilder();
        builder.Unique(options.InputName);
        var emitter = new LayerEmitter(builder, options);
        OnnxValue y = emitter.Emit(model, new OnnxValue(options.InputName, inputShape), string.Empty);
        builder.Unique(options.OutputName);
        builder.Graph.Node.Add(new NodeProto
        {
            OpType = "Identity",
            Name = builder.Unique("output/Identity"),
            Input = { y.Name },
            Output = { options.OutputName },
        });

        GraphProto graph = builder.Graph;
        graph.Name = options.GraphName ?? model.Name;
        graph.Input.Add(OnnxGraphBuilder.TensorInfo(options.InputName, inputShape, options.BatchDimension));
        graph.Output.Add(OnnxGraphBuilder.TensorInfo(options.OutputName, outputShape, options.BatchDimension));

        var proto = new ModelProto
        {
            IrVersion = IrVersionFor(options.Opset),
            ProducerName = ProducerName,
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? "0",
            Domain = "ai.revnet",
            ModelVersion = 1,
            DocString = options.Description ?? $"{model.Name} exported by RevNet.ILGPU (eval mode)",
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = options.Opset });
        foreach ((string key, string value) in Metadata(model, inputShape, outputShape, options))
        {
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return proto;
    }

    /// <summary>The IR version that goes with an opset (ONNX's versioning table).</summary>
    private static long IrVersionFor(int opset) => opset switch
    {
        13 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static void Validate(OnnxExportOptions o)
    {
        if (o.Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
        {
            throw new ArgumentException(
                $"Opset {o.Opset} is not supported; choose {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}.",
                nameof(o));
        }

        foreach ((string what, string value) in new[] { ("input name", o.InputName), ("output name", o.OutputName), ("batch dimension", o.BatchDimension) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"The {what} must not be empty.", nameof(o));
            }
        }

        if (string.Equals(o.InputName, o.OutputName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The input and output names must differ (both are '{o.InputName}').", nameof(o));
        }
    }

    private static List<(string Key, string Value)> Metadata(ILayer model, Shape input, Shape output, OnnxExportOptions options)
    {
        int classes = output[output.Rank - 1];
        IReadOnlyList<string> names = options.ClassNames
            ?? [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        if (names.Count != classes)
        {
            throw new ArgumentException(
                $"{names.Count} class names were given but the model has {classes} outputs; pass exactly one name per class.",
                nameof(options));
        }

        var entries = new List<(string, string)>
        {
            (ClassNamesKey, JsonSerializer.Serialize(names)),
            (InputShapeKey, $"[{options.BatchDimension},{input[1]},{input[2]},{input[3]}]"),
            ("model", model.Name),
        };
        if (model is Model m)
        {
            entries.Add(("parameters", m.ParameterCount.ToString(CultureInfo.InvariantCulture)));
        }

        foreach (KeyValuePair<string, string> kv in options.Metadata ?? new Dictionary<string, string>())
        {
            entries.RemoveAll(e => e.Item1 == kv.Key);
            entries.Add((kv.Key, kv.Value));
        }

        return entries;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory))
        {
            throw new IOException($"Cannot write the ONNX file '{full}': the folder '{directory}' does not exist. Create it or choose an existing, writable folder.");
        }

        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException(
                $"Cannot write the ONNX file '{full}': {ex.Message} Choose an existing, writable folder.", ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
