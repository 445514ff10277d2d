using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Onnx;
using RevNet.ILGPU.Training;
using Shape = RevNet.ILGPU.Tensors.Shape;
using Tensor = RevNet.ILGPU.Tensors.Tensor;

namespace RevNet.Cli.Prediction;

/// <summary>Runs a classifier on normalised NCHW batches and returns logits.</summary>
internal interface IPredictor : IDisposable
{
    int Channels { get; }

    int Size { get; }

    IReadOnlyList<string> ClassNames { get; }

    string Description { get; }

    float[] Logits(float[] batch, int count);
}

/// <summary>A checkpoint written by <c>train</c>, run by the library in eval mode.</summary>
internal sealed class CheckpointPredictor : IPredictor
{
    private readonly ComputeDevice _device;
    private readonly Model _model;

    public CheckpointPredictor(string path, string deviceName)
    {
        InputFiles.Require("the checkpoint", path);

        CheckpointData data = Checkpoint.Load(path);
        (string name, ModelOptions options) = ArchitectureId.TryParse(data.ArchitectureId)
            ?? throw new CheckpointException(path, -1, $"its architecture '{data.ArchitectureId}' was not written by this app");
        _device = CliDevice.Create(deviceName);
        try
        {
            _model = ModelZoo.Create(name, _device, options);
            ModelState.Apply(data, _model, ArchitectureId.For(name, options), path);
        }
        catch
        {
            _model?.Dispose();
            _device.Dispose();
            throw;
        }

        Channels = options.InputChannels;
        Size = options.ImageSize;
        ClassNames = DefaultClassNames(options.InputChannels, options.ImageSize, options.Classes);
        Description = $"{name} from {path} on {_device}";
    }

    public int Channels { get; }

    public int Size { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public string Description { get; }

    public float[] Logits(float[] batch, int count)
    {
        using Tensor x = _device.Pool.Rent(new Shape(count, Channels, Size, Size), RevNet.ILGPU.Tensors.MemoryCategory.Workspace);
        x.CopyFrom(batch.AsSpan(0, count * Channels * Size * Size));
        using Tensor y = _model.Forward(x, ForwardMode.Inference);
        return y.ToArray();
    }

    public void Dispose()
    {
        _model.Dispose();
        _device.Dispose();
    }

    /// <summary>Fashion-MNIST's names for 1x28x28 models with 10 classes (what <c>train</c> trains), else numbers.</summary>
    public static IReadOnlyList<string> DefaultClassNames(int channels, int size, int classes) =>
        channels == 1 && size == 28 && classes == 10
            ? FashionMnist.ClassNames
            : [.. Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
}

/// <summary>An ONNX file (as written by <c>export</c>), run by ONNX Runtime on the CPU.</summary>
internal sealed class OnnxPredictor : IPredictor
{
    private readonly InferenceSession _session;
    private readonly string _input;

    public OnnxPredictor(string path)
    {
        InputFiles.Require("the ONNX file", path);

        try
        {
            _session = new InferenceSession(path);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new CliException($"{path} is not a loadable ONNX model: {ex.Message}", ex);
        }

        try
        {
            (_input, NodeMetadata meta) = _session.InputMetadata.Single();
            int[] dims = meta.Dimensions;
            if (dims.Length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[2] != dims[3])
            {
                throw new CliException($"{path}: expected one input [N, C, S, S] with fixed C and S, got [{string.Join(", ", dims)}].");
            }

            Channels = dims[1];
            Size = dims[2];
            int classes = _session.OutputMetadata.Single().Value.Dimensions[^1];
            ClassNames = _session.ModelMetadata.CustomMetadataMap.TryGetValue(OnnxExporter.ClassNamesKey, out string? json)
                ? JsonSerializer.Deserialize<string[]>(json) ?? []
                : CheckpointPredictor.DefaultClassNames(Channels, Size, classes);
            if (ClassNames.Count != classes)
            {
                throw new CliException($"{path}: its metadata names {ClassNames.Count} classes but the output has {classes}.");
            }
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        Description = $"{path} on ONNX Runtime (CPU)";
    }

    public int Channels { get; }

    public int Size { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public string Description { get; }

    public float[] Logits(float[] batch, int count)
    {
        var tensor = new DenseTensor<float>(batch.AsMemory(0, count * Channels * Size * Size), [count, Channels, Size, Size]);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            _session.Run([NamedOnnxValue.CreateFromTensor(_input, tensor)]);
        return [.. results.First().AsTensor<float>()];
    }

    public void Dispose() => _session.Dispose();
}
