using System.Diagnostics;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Onnx.Tests;

/// <summary>
/// A briefly trained model on the bundled Fashion-MNIST: ONNX Runtime agrees with the library on the test images (the
/// first 2,000 by default; set REVNET_ONNX_TEST_IMAGES=10000 for the whole test split).
/// </summary>
public sealed class TrainedParityTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Export_TrainedRevNetSmall_SameArgmaxOnEveryTestImage()
    {
        string? folder = FashionMnist.LocateBundled();
        Skip.If(folder is null, "the bundled data/fashion-mnist was not found above the test's folder");
        Dataset train = FashionMnist.LoadSplit(folder, train: true, maxImages: 2048);
        int count = int.TryParse(Environment.GetEnvironmentVariable("REVNET_ONNX_TEST_IMAGES"), out int n) ? n : 2000;
        Dataset test = FashionMnist.LoadSplit(folder, train: false, maxImages: count);
        train.Normalize(Normalization.FashionMnist);
        test.Normalize(Normalization.FashionMnist);
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist);
        using (var sgd = new Sgd(0.1f, momentum: 0.9f))
        using (var loader = new BatchLoader(train, 32, new BatchLoaderOptions { Seed = 1 }))
        {
            // Cosine decay as the CLI trains: a constant 0.1 ends anywhere from 22% to 60% depending on rounding (SIMD width).
            var options = new TrainerOptions { Epochs = 1, Schedule = LearningRateSchedule.Cosine(0.1f, loader.BatchesPerEpoch) };
            new Trainer(device, model, sgd, options).Fit(loader);
        }

        using Microsoft.ML.OnnxRuntime.InferenceSession session = OnnxParity.CreateSession(OnnxExporter.ToBytes(model, model.InputShape(1)));
        var watch = Stopwatch.StartNew();
        const int Chunk = 500;
        double worst = 0;
        int mismatches = 0;
        int correct = 0;
        for (int start = 0; start < test.Count; start += Chunk)
        {
            int size = Math.Min(Chunk, test.Count - start);
            Shape shape = model.InputShape(size);
            float[] x = test.Images.AsSpan(start * 784, size * 784).ToArray();
            float[] expected = OnnxParity.RunLibrary(device, model, shape, x);
            float[] actual = OnnxParity.RunOnnx(session, shape, x);
            worst = Math.Max(worst, OnnxParity.MaxAbsDiff(expected, actual));
            int[] a = OnnxParity.ArgMax(expected, 10);
            int[] b = OnnxParity.ArgMax(actual, 10);
            mismatches += a.Zip(b).Count(p => p.First != p.Second);
            correct += a.Where((label, i) => label == test.Labels[start + i]).Count();
        }

        output.WriteLine(
            $"{test.Count} test images: accuracy {100.0 * correct / test.Count:F2}%, max |logit diff| {worst:E3}, "
            + $"argmax mismatches {mismatches}, {watch.Elapsed.TotalSeconds:F1} s");
        mismatches.Should().Be(0);
        worst.Should().BeLessThanOrEqualTo(OnnxParity.Tolerance);
        correct.Should().BeGreaterThan(test.Count / 2, "the model was trained, so the comparison covers confident logits");
    }
}
