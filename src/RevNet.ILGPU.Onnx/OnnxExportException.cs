namespace RevNet.ILGPU.Onnx;

/// <summary>
/// A model cannot be written as ONNX: one of its layers has no ONNX form (a user layer, or a library layer the exporter
/// does not know). The message names the layer, its type and its path in the model.
/// </summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxExportException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public OnnxExportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxExportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a layer without an ONNX form.</summary>
    /// <param name="layerPath">Where the layer sits in the model (its name and its parents' names).</param>
    /// <param name="layerType">The layer's type.</param>
    /// <param name="problem">What is wrong, and the fix.</param>
    public OnnxExportException(string layerPath, Type layerType, string problem)
        : base($"Cannot export layer '{layerPath}' ({layerType?.FullName}) to ONNX: {problem}")
    {
        LayerPath = layerPath;
        LayerType = layerType;
    }

    /// <summary>The path of the layer that has no ONNX form (e.g. <c>stage1.unit0/stage1.unit0.f</c>), or null.</summary>
    public string? LayerPath { get; }

    /// <summary>The type of that layer, or null.</summary>
    public Type? LayerType { get; }
}
