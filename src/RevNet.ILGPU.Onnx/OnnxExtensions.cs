using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Onnx;

/// <summary><c>model.ExportOnnx(path)</c>: ONNX export as extension methods.</summary>
public static class OnnxExtensions
{
    /// <summary>Exports a zoo model for its own input shape (<see cref="Model.InputShape"/>), atomically.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The ONNX file to create or replace.</param>
    /// <param name="options">Names, opset, class names, metadata.</param>
    /// <exception cref="OnnxExportException">A layer has no ONNX form.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left.</exception>
    public static void ExportOnnx(this Model model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxExporter.Export(model, model.InputShape(1), path, options);
    }

    /// <summary>Exports any layer for an input shape [N, C, H, W] (N becomes symbolic), atomically.</summary>
    /// <param name="layer">The layer or network.</param>
    /// <param name="inputShape">The input shape.</param>
    /// <param name="path">The ONNX file to create or replace.</param>
    /// <param name="options">Names, opset, class names, metadata.</param>
    /// <exception cref="OnnxExportException">A layer has no ONNX form.</exception>
    /// <exception cref="IOException">The file cannot be written; no partial file is left.</exception>
    public static void ExportOnnx(this ILayer layer, Shape inputShape, string path, OnnxExportOptions? options = null) =>
        OnnxExporter.Export(layer, inputShape, path, options);
}
