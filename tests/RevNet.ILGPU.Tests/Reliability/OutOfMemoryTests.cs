using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Reliability;

/// <summary>
/// Out of device memory under a pool limit: the error gives the bytes asked for, the pool's state and the largest
/// batch that fits (from the memory model), and that batch really trains under the same limit.
/// </summary>
public sealed class OutOfMemoryTests(ITestOutputHelper output)
{
    private static readonly ModelSpec Tiny = new("tiny-revnet", true, false, [1, 1, 1], [4, 8, 8], 4);
    private static readonly ModelOptions TinyOptions = new() { InputChannels = 3, ImageSize = 8, Classes = 5, Seed = 3 };

    [Fact]
    public void MemoryModel_FitAndLargestBatch_SolveTheLinearModel()
    {
        MemoryModel m = MemoryModel.Fit(2, 1_000 + (2 * 300), 6, 1_000 + (6 * 300));
        m.FixedBytes.Should().Be(1_000);
        m.BytesPerSample.Should().Be(300);
        m.Estimate(10).Should().Be(4_000);
        m.LargestBatch(4_000).Should().Be(10);
        m.LargestBatch(4_299).Should().Be(10);
        m.LargestBatch(1_299).Should().Be(0);
    }

    [Fact]
    public void Rent_PastPoolLimit_ThrowsWithRequestedBytesAndPoolState()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        device.Pool.LimitBytes = 4096;
        using Tensor a = device.Pool.Rent(new Shape(512), MemoryCategory.Activations); // 2 KiB
        device.Pool.Rent(new Shape(256), MemoryCategory.Workspace).Dispose();        // cached, freed on demand

        Action act = () => device.Pool.Rent(new Shape(1024), MemoryCategory.Activations).Dispose(); // 4 KiB

        DeviceOutOfMemoryException ex = act.Should().Throw<DeviceOutOfMemoryException>().Which;
        ex.RequestedBytes.Should().Be(4096);
        ex.InUseBytes.Should().Be(2048);
        ex.CapacityBytes.Should().Be(4096);
        ex.Message.Should().Contain("4096 bytes").And.Contain("limit");
        device.Pool.AllocatedBytes.Should().Be(2048, "the cached buffer was freed before giving up");
        using Tensor fits = device.Pool.Rent(new Shape(512), MemoryCategory.Activations);
        device.Pool.AllocatedBytes.Should().Be(4096);
    }

    [Fact]
    public void Fit_BatchTooLargeForLimit_SuggestsABatchThatTrains()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(Tiny, device, TinyOptions);
        using var sgd = new Sgd(0.01f, momentum: 0.9f);
        Dataset data = RandomData(64);

        // Budget: what the memory model says a batch of 6 needs, plus half a sample of slack.
        MemoryModel reference = MemoryModel.Measure(model, new Shape(3, 8, 8), sgd.PendingStateBytes(model.Parameters));
        long limit = reference.Estimate(6) + (reference.BytesPerSample / 2);
        device.Pool.Trim();
        device.Pool.LimitBytes = limit;

        DeviceOutOfMemoryException ex;
        using (var loader = new BatchLoader(data, 32, new BatchLoaderOptions { Seed = 1 }))
        {
            var trainer = new Trainer(device, model, sgd, new TrainerOptions { MaxSteps = 1 });
            Action act = () => trainer.Fit(loader);
            ex = act.Should().Throw<DeviceOutOfMemoryException>().Which;
        }

        output.WriteLine($"model: {reference}; limit {limit} bytes");
        output.WriteLine(ex.Message);
        ex.Batch.Should().Be(32);
        ex.RequestedBytes.Should().BePositive();
        ex.Message.Should().Contain($"{ex.RequestedBytes} bytes").And.Contain("pool:")
            .And.Contain($"largest batch size that fits is {ex.SuggestedMaxBatch}");
        // Measured after the failure: about 16 KiB of the failed step is still rented then (issue #9 note), so the advice
        // errs low at this tiny budget; it must still name a batch that trains (below).
        ex.SuggestedMaxBatch.Should().BeInRange(3, 8, "the budget was set for a batch of 6");

        device.Pool.ResetPeaks(); // the advice's own measuring ran with the cap lifted
        using (var loader = new BatchLoader(data, ex.SuggestedMaxBatch!.Value, new BatchLoaderOptions { Seed = 1 }))
        {
            var trainer = new Trainer(device, model, sgd, new TrainerOptions { MaxSteps = 2 });
            TrainingResult result = trainer.Fit(loader);
            result.GlobalStep.Should().Be(2);
        }

        output.WriteLine($"batch {ex.SuggestedMaxBatch}: peak in use {device.Pool.PeakInUseBytes} of {limit} bytes");

        device.Pool.PeakInUseBytes.Should().BeLessThanOrEqualTo(limit);
    }

    private static Dataset RandomData(int count)
    {
        var rng = new Random(9);
        float[] images = new float[count * 3 * 8 * 8];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        int[] labels = [.. Enumerable.Range(0, count).Select(i => i % 5)];
        return new Dataset(images, labels, 3, 8, 8, 5);
    }
}
