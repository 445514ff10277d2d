using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Tensors;

/// <summary>
/// The planner a user asks before training: <see cref="MemoryModel.Measure"/> from two small planned steps predicts
/// the reserved peak of real steps at other batch sizes within 5%, and the largest batch it calls fitting trains under
/// that budget while a batch 10% larger fails with the out-of-memory error that names a batch that fits.
/// </summary>
public sealed class MemoryPlanTests(ITestOutputHelper output)
{
    private static readonly ModelOptions Options = new() { InputChannels = 3, ImageSize = 8, Classes = 5, Seed = 3 };

    public static TheoryData<bool, ActivationMode> Nets => new()
    {
        { true, ActivationMode.Reconstruct },
        { true, ActivationMode.Store },
        { false, ActivationMode.Store },
    };

    [Theory]
    [MemberData(nameof(Nets))]
    public void Measure_PredictsReservedPeakAtThreeBatchSizes_WithinFivePercent(bool reversible, ActivationMode mode)
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Spec(reversible), device, Options);
        model.Mode = mode;
        long momentum = model.Parameters.Sum(p => p.Value.ElementCount) * sizeof(float);
        MemoryModel plan = MemoryModel.Measure(model, new Shape(3, 8, 8), momentum);
        foreach (int batch in new[] { 6, 12, 24 })
        {
            MemoryBenchmarkRow row = MemoryBenchmark.Measure(model, mode, batch, steps: 1);
            double error = (double)(plan.Estimate(batch) - row.ReservedPeakBytes) / row.ReservedPeakBytes;
            output.WriteLine($"{mode} batch {batch}: predicted {plan.Estimate(batch)}, reserved {row.ReservedPeakBytes} ({error:P2})");
            Math.Abs(error).Should().BeLessThan(0.05);
        }
    }

    [Fact]
    public void LargestBatchUnderBudget_Trains_AndTenPercentMoreFailsNamingABatchThatFits()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Spec(true), device, Options);
        using var sgd = new Sgd(0.01f, momentum: 0.9f);
        long momentum = model.Parameters.Sum(p => p.Value.ElementCount) * sizeof(float);
        MemoryModel plan = MemoryModel.Measure(model, new Shape(3, 8, 8), momentum);
        long budget = plan.Estimate(100) + (plan.BytesPerSample / 2);
        int largest = plan.LargestBatch(budget);
        largest.Should().Be(100, "10% more must be more samples than the workers' scratch the plan counts on this tiny net");
        device.Pool.Trim();
        device.Pool.LimitBytes = budget;

        TrainingResult fits = Train(device, model, sgd, largest);
        fits.GlobalStep.Should().Be(2);
        output.WriteLine($"batch {largest}: reserved peak {device.Pool.PeakAllocatedBytes} of {budget} bytes");

        int larger = (int)Math.Ceiling(largest * 1.1);
        Action act = () => Train(device, model, sgd, larger);
        DeviceOutOfMemoryException ex = act.Should().Throw<DeviceOutOfMemoryException>().Which;
        output.WriteLine(ex.Message);
        ex.Batch.Should().Be(larger);
        ex.SuggestedMaxBatch.Should().BeInRange(largest - 3, largest + 1, "measured again after the failure: noise of a sample");
        ex.Message.Should().Contain($"largest batch size that fits is {ex.SuggestedMaxBatch}");
        Train(device, model, sgd, ex.SuggestedMaxBatch!.Value).GlobalStep.Should().Be(2, "the batch the error names fits");
    }

    private static ModelSpec Spec(bool reversible) => reversible
        ? new ModelSpec("tiny-revnet", true, false, [1, 1, 1], [4, 8, 8], 4)
        : new ModelSpec("tiny-resnet", false, false, [1, 1, 1], [4, 8, 8], 4);

    private static TrainingResult Train(ComputeDevice device, Model model, Sgd sgd, int batch)
    {
        var rng = new Random(9);
        int count = batch * 2;
        float[] images = [.. Enumerable.Range(0, count * 3 * 8 * 8).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        int[] labels = [.. Enumerable.Range(0, count).Select(i => i % 5)];
        using var loader = new BatchLoader(new Dataset(images, labels, 3, 8, 8, 5), batch, new BatchLoaderOptions { Seed = 1 });
        return new Trainer(device, model, sgd, new TrainerOptions { MaxSteps = 2 }).Fit(loader);
    }
}
