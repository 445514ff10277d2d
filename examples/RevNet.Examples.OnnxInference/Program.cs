// Classifies one image with a model exported by RevNet.ILGPU (`revnet export` or model.ExportOnnx), as a deployment
// user would: ONNX Runtime and SkiaSharp, no RevNet.ILGPU. Usage: RevNet.Examples.OnnxInference MODEL.onnx IMAGE
// (a 1-channel Fashion-MNIST model: light object on a dark background; inputs normalised with mean 0.2860, std 0.3530).
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: RevNet.Examples.OnnxInference MODEL.onnx IMAGE");
    return 2;
}

using var session = new InferenceSession(args[0]);
int size = session.InputMetadata["input"].Dimensions[2];
using SKBitmap original = SKBitmap.Decode(args[1]) ?? throw new InvalidDataException($"cannot decode {args[1]}");
using SKBitmap image = original.Width == size && original.Height == size
    ? original.Copy()
    : original.Resize(new SKImageInfo(size, size), new SKSamplingOptions(SKFilterMode.Linear));
var input = new DenseTensor<float>([1, 1, size, size]);
for (int y = 0; y < size; y++)
{
    for (int x = 0; x < size; x++)
    {
        SKColor p = image.GetPixel(x, y);
        float gray = ((0.299f * p.Red) + (0.587f * p.Green) + (0.114f * p.Blue)) / 255f;
        input[0, 0, y, x] = (gray - 0.2860f) / 0.3530f;
    }
}

using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
float[] logits = [.. results[0].AsTensor<float>()];
string[] names = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["class_names"])!;
double[] e = [.. logits.Select(v => Math.Exp(v - logits.Max()))];
int best = Array.IndexOf(logits, logits.Max());
Console.WriteLine($"{names[best]} ({100 * e[best] / e.Sum():F1}%)");
return 0;
