namespace RevNet.ILGPU.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest opset the exporter writes (Split takes its sizes as an input from opset 13 on).</summary>
    public const int MinimumOpset = 13;

    /// <summary>The highest opset the exporter has been checked against.</summary>
    public const int MaximumOpset = 21;

    /// <summary>The default options.</summary>
    public static OnnxExportOptions Default { get; } = new();

    /// <summary>The name of the graph input (default <c>input</c>).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The name of the graph output (default <c>logits</c>).</summary>
    public string OutputName { get; init; } = "logits";

    /// <summary>The symbolic name of the batch dimension (default <c>N</c>).</summary>
    public string BatchDimension { get; init; } = "N";

    /// <summary>The graph's name (default: the model's name).</summary>
    public string? GraphName { get; init; }

    /// <summary>
    /// The class names, in label order, recorded in the metadata as a JSON array under <c>class_names</c>. Their count
    /// must equal the output's last dimension. Default: the labels as numbers ("0", "1", ...).
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The ONNX opset of the default domain (<see cref="MinimumOpset"/> to <see cref="MaximumOpset"/>; default 13).</summary>
    public int Opset { get; init; } = MinimumOpset;

    /// <summary>
    /// Fold a batch-norm into the convolution right before it (weights scaled, a bias added). The fold is exact in real
    /// arithmetic and changes float results only by rounding; without it a BatchNormalization node is written.
    /// Batch-norms that follow anything but a convolution are always written as BatchNormalization nodes.
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>Further metadata entries (key → value) written into the model.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>A description written as the model's doc string.</summary>
    public string? Description { get; init; }
}
