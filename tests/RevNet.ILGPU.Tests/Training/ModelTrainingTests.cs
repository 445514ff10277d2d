using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>
/// The trainer with a real (tiny) RevNet from <see cref="ModelZoo"/> on Host: batch-norm running statistics are
/// checkpointed as buffers and the reversible blocks recompute their inputs, yet a resumed run is bit-identical.
/// </summary>
public sealed class ModelTrainingTests : IDisposable
{
    private const int Batch = 16;
    private static readonly ModelSpec Tiny = new("revnet-test", Reversible: true, Bottleneck: false, [1, 1, 1], [8, 16, 16], Stem: 8);
    private static readonly Lazy<Dataset> Train = new(() => BundledData.TrainSlice(160, start: 1000));
    private static readonly Lazy<Dataset> Test = new(() => BundledData.TestSlice(64));
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Resume_TinyRevNet_ContinuesBitIdentically_IncludingBatchNormStatistics()
    {
        Outcome straight = Run(maxSteps: null, saveTo: null, resumeFrom: null, modelSeed: 5);
        string path = _dir.File("revnet.ckpt");
        Outcome first = Run(maxSteps: 13, saveTo: path, resumeFrom: null, modelSeed: 5);
        Outcome second = Run(maxSteps: null, saveTo: null, resumeFrom: path, modelSeed: 6);

        straight.Losses.Should().HaveCount(20);
        TensorAssert.BitIdentical([.. first.Losses, .. second.Losses], straight.Losses.ToArray(), "resumed RevNet losses");
        second.Buffers.Should().HaveCount(straight.Buffers.Length).And.NotBeEmpty();
        for (int i = 0; i < straight.Buffers.Length; i++)
        {
            TensorAssert.BitIdentical(second.Buffers[i], straight.Buffers[i], $"BN buffer {i}");
        }

        second.TestAccuracy.Should().Be(straight.TestAccuracy);
        straight.Losses.TakeLast(5).Average().Should().BeLessThan(straight.Losses.Take(5).Average());
    }

    private static Outcome Run(long? maxSteps, string? saveTo, string? resumeFrom, int modelSeed)
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Tiny, device, ModelOptions.FashionMnist with { Seed = modelSeed });
        using var sgd = new Sgd(0.05f, 0.9f, 5e-4f);
        using var train = new BatchLoader(Train.Value, Batch, new BatchLoaderOptions { Seed = 3, Augmentation = new Augmentation(2, true) });
        using var test = new BatchLoader(Test.Value, 32, BatchLoaderOptions.Evaluation);
        var trainer = new Trainer(device, model, sgd, new TrainerOptions
        {
            Epochs = 2,
            MaxSteps = maxSteps,
            Schedule = LearningRateSchedule.Cosine(0.05f, 20),
            ArchitectureId = "revnet-test/1x28x28/10",
        });
        (List<float> losses, TrainingResult result) = TrainerRun.Fit(trainer, train, test, resumeFrom, saveTo);
        return new Outcome(losses, [.. model.Buffers.Select(b => b.Value.ToArray())], result.TestAccuracy);
    }

    private sealed record Outcome(List<float> Losses, float[][] Buffers, double? TestAccuracy);
}
