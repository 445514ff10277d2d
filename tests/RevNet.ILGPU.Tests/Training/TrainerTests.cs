using System.Text.Json;
using RevNet.Cli.Training;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>Training loop, metrics, faults and bit-identical resume on the Host backend (a small MLP, real data).</summary>
public sealed class TrainerTests : IDisposable
{
    private const int Batch = 32;
    private static readonly Lazy<Dataset> Train = new(() => BundledData.TrainSlice(640));
    private static readonly Lazy<Dataset> Test = new(() => BundledData.TestSlice(256));
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Fit_FiftyStepsOnFashionMnistSlice_LowersTheLoss()
    {
        Dataset slice = BundledData.TrainSlice(1600);
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 32, 10, seed: 1);
        using var sgd = new Sgd(0.05f, momentum: 0.9f);
        using var loader = new BatchLoader(slice, Batch, new BatchLoaderOptions { Seed = 1 });
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { Epochs = 1 });
        List<float> losses = TrainerRun.RecordStepLosses(trainer);

        TrainingResult result = trainer.Fit(loader);

        losses.Should().HaveCount(50);
        result.GlobalStep.Should().Be(50);
        double first = losses.Take(10).Average();
        double last = losses.TakeLast(10).Average();
        first.Should().BeGreaterThan(1.5, "an untrained 10-class model starts near ln 10 = 2.3");
        last.Should().BeLessThan(first * 0.7, "50 SGD steps must cut the loss clearly (measured 0.60x on the complete data)");
        result.History[0].TrainLoss.Should().BeApproximately(losses.Average(), 1e-5);
    }

    [Fact]
    public void Fit_SameSeeds_IdenticalLosses_OtherLoaderSeed_DifferentLosses()
    {
        var options = new BatchLoaderOptions { Seed = 4, Augmentation = new Augmentation(2, true) };
        Outcome a = RunToEnd(options, () => new Sgd(0.05f, 0.9f, 1e-4f), Schedule(), epochs: 2);
        Outcome b = RunToEnd(options, () => new Sgd(0.05f, 0.9f, 1e-4f), Schedule(), epochs: 2);
        Outcome c = RunToEnd(options with { Seed = 5 }, () => new Sgd(0.05f, 0.9f, 1e-4f), Schedule(), epochs: 2);

        TensorAssert.BitIdentical(a.Losses.ToArray(), b.Losses.ToArray(), "losses of two identical runs");
        a.Losses.Should().NotEqual(c.Losses);
    }

    public static TheoryData<string, int> ResumePoints() => new()
    {
        { "sgd", 7 },   // in the middle of the first epoch
        { "sgd", 20 },  // exactly at the end of an epoch, before its evaluation
        { "adam", 33 }, // in the second epoch
        { "adamw", 1 },
    };

    [Theory]
    [MemberData(nameof(ResumePoints))]
    public void Resume_FromCheckpointInFreshObjects_ContinuesBitIdentically(string optimizer, int stopAt)
    {
        var options = new BatchLoaderOptions { Seed = 8, Augmentation = new Augmentation(2, true) };
        Func<IOptimizer> make = optimizer switch
        {
            "sgd" => () => new Sgd(0.05f, 0.9f, 5e-4f, nesterov: true),
            "adam" => () => new Adam(2e-3f, weightDecay: 1e-4f),
            _ => () => new Adam(2e-3f, weightDecay: 1e-2f, decoupled: true),
        };

        Outcome straight = RunToEnd(options, make, Schedule(), epochs: 3);
        straight.Losses.Should().HaveCount(60);

        string path = _dir.File($"{optimizer}-{stopAt}.ckpt");
        Outcome before = RunToEnd(options, make, Schedule(), epochs: 3, maxSteps: stopAt, saveTo: path);
        before.Losses.Should().HaveCount(stopAt);
        before.Result.Completed.Should().BeFalse();

        // Fresh device, model (other initial weights), optimizer and loader (other seed): everything must come from the file.
        Outcome after = RunToEnd(options with { Seed = 999 }, make, Schedule(), epochs: 3, resumeFrom: path, modelSeed: 77);

        float[] joined = [.. before.Losses, .. after.Losses];
        TensorAssert.BitIdentical(joined, straight.Losses.ToArray(), $"losses resumed after step {stopAt}");
        for (int i = 0; i < straight.Weights.Length; i++)
        {
            TensorAssert.BitIdentical(after.Weights[i], straight.Weights[i], $"final weight {i}");
        }

        after.Buffer.Should().Equal(straight.Buffer);
        after.Result.GlobalStep.Should().Be(60);
        after.Result.History.Select(h => (h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy, h.Steps))
            .Should().Equal(straight.Result.History.Select(h => (h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy, h.Steps)));
    }

    [Fact]
    public void Fit_NaNLoss_ThrowsNamingEpochAndStep_BeforeUpdatingWeights()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1) { PoisonAtForward = 27 };
        using var sgd = new Sgd(0.05f);
        using var loader = new BatchLoader(Train.Value, Batch, new BatchLoaderOptions { Seed = 1 });
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { Epochs = 2 });
        float[]? weightsBefore = null;
        trainer.Progress += (_, p) =>
        {
            if (p.GlobalStep == 26)
            {
                weightsBefore = model.Parameters[0].Value.ToArray();
            }
        };

        NonFiniteValueException ex = Assert.Throws<NonFiniteValueException>(() => trainer.Fit(loader));

        // 20 batches per epoch: forward 27 is step 7 of epoch 2 (global step 26, 0-based).
        (ex.Epoch, ex.Step, ex.GlobalStep, ex.TensorName).Should().Be((2, 7, 26L, "loss"));
        float.IsNaN(ex.Value).Should().BeTrue();
        ex.Message.Should().Contain("NaN in loss at epoch 2, step 7");
        model.Parameters[0].Value.ToArray().Should().Equal(weightsBefore);
    }

    [Fact]
    public void Fit_NaNLossWithSkipPolicy_SkipsTheBatchAndCountsIt()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1) { PoisonAtForward = 5 };
        using var sgd = new Sgd(0.05f);
        using var loader = new BatchLoader(Train.Value, Batch, new BatchLoaderOptions { Seed = 1 });
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { Epochs = 1, NonFiniteLoss = NonFinitePolicy.SkipBatch });

        TrainingResult result = trainer.Fit(loader);

        result.SkippedBatches.Should().Be(1);
        result.GlobalStep.Should().Be(19);
        result.History[0].SkippedBatches.Should().Be(1);
        result.History[0].Steps.Should().Be(19);
        double.IsFinite(result.History[0].TrainLoss).Should().BeTrue();
        model.Parameters.SelectMany(p => p.Value.ToArray()).Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void Fit_CheckGradients_InfiniteGradient_ThrowsNamingTheTensor()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1) { PoisonGradientAtBackward = 3 };
        using var sgd = new Sgd(0.05f);
        using var loader = new BatchLoader(Train.Value, Batch);
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { CheckGradients = true });

        NonFiniteValueException ex = Assert.Throws<NonFiniteValueException>(() => trainer.Fit(loader));

        ex.TensorName.Should().Be("fc1.weight.grad");
        (ex.Epoch, ex.Step).Should().Be((1, 3));
        ex.Message.Should().Contain("+Infinity in fc1.weight.grad");
    }

    [Fact]
    public void Fit_ReportsProgressMetricsAndMemory_AndReturnsEveryBuffer()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        var steps = new List<TrainingProgress>();
        var epochs = new List<TrainingProgress>();
        TrainingResult result;
        using (var model = new TinyMlp(device, 784, 16, 10, seed: 1))
        using (var adam = new Adam(1e-3f))
        using (var train = new BatchLoader(Train.Value, Batch))
        using (var test = new BatchLoader(Test.Value, 100, BatchLoaderOptions.Evaluation))
        {
            var trainer = new Trainer(device, model, adam, new TrainerOptions { Epochs = 2, Schedule = LearningRateSchedule.Cosine(1e-3f, 40) });
            trainer.Progress += (_, p) => (p.Kind == ProgressKind.Step ? steps : epochs).Add(p);
            result = trainer.Fit(train, test);
            trainer.Evaluate(test).Accuracy.Should().Be(result.TestAccuracy!.Value, "evaluation is deterministic");
        }

        steps.Should().HaveCount(40);
        steps[0].Should().Match<TrainingProgress>(p => p.Epoch == 1 && p.Step == 1 && p.StepsPerEpoch == 20 && p.GlobalStep == 1 && p.Epochs == 2);
        steps[^1].Should().Match<TrainingProgress>(p => p.Epoch == 2 && p.Step == 20 && p.GlobalStep == 40);
        steps[5].LearningRate.Should().Be(LearningRateSchedule.Cosine(1e-3f, 40).GetLearningRate(5));
        steps.Should().OnlyContain(p => p.ImagesPerSecond > 0 && p.InUseBytes > 0 && p.PeakInUseBytes >= p.InUseBytes);
        epochs.Select(p => p.Epoch).Should().Equal(1, 2);
        epochs[1].Metrics.Should().BeSameAs(result.History[1]);

        result.Completed.Should().BeTrue();
        result.History.Should().HaveCount(2);
        EpochMetrics m = result.History[1];
        m.Epoch.Should().Be(2);
        m.TestAccuracy.Should().BeInRange(0.5, 1.0);
        m.TestLoss.Should().BePositive();
        m.ImagesPerSecond.Should().BePositive();
        m.Steps.Should().Be(20);
        m.PeakBytesByCategory["Parameters"].Should().BeGreaterThanOrEqualTo((784 * 16 + 16 + 160 + 10 + 2) * 4);
        m.PeakBytesByCategory["OptimizerState"].Should().Be(2 * (784 * 16 + 16 + 160 + 10) * 4);
        m.PeakBytesByCategory["Activations"].Should().BePositive();
        result.Seconds.Should().BePositive();
        device.Pool.RentedCount.Should().Be(0, "model, optimizer state and every batch tensor were returned");
    }

    [Fact]
    public void Fit_WithCheckpointPath_WritesALoadableCheckpointEachEpoch()
    {
        string path = _dir.File("auto.ckpt");
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1);
        using var sgd = new Sgd(0.05f);
        using var loader = new BatchLoader(Train.Value, Batch);
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { Epochs = 1, CheckpointPath = path, ArchitectureId = "mlp" });

        trainer.Fit(loader);

        CheckpointData data = Checkpoint.Load(path);
        (data.Epoch, data.GlobalStep, data.ArchitectureId).Should().Be((1, 20L, "mlp"));
        data.Loader.Should().Be(new LoaderPosition(1, 0, 0, Batch, 640));
        data.Parameters.Select(p => p.Name).Should().Equal("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");
        data.Buffers.Single().Data[1].Should().Be(640f);
        data.Optimizer!.Tensors.Should().HaveCount(4);
        data.HistoryJson.Should().Contain("\"TrainLoss\"");
    }

    [Fact]
    public void LoadCheckpoint_OtherOptimizerBatchSizeOrArchitecture_ThrowsTypedErrors()
    {
        string path = _dir.File("a.ckpt");
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1);
        using var sgd = new Sgd(0.05f);
        using var adam = new Adam();
        using var loader = new BatchLoader(Train.Value, Batch);
        using var otherBatch = new BatchLoader(Train.Value, 64);
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { MaxSteps = 2, ArchitectureId = "mlp" });
        trainer.Fit(loader);
        trainer.SaveCheckpoint(path, loader);

        FluentActions.Invoking(() => new Trainer(device, model, adam, new TrainerOptions { ArchitectureId = "mlp" }).LoadCheckpoint(path, loader))
            .Should().Throw<CheckpointException>().WithMessage("*'sgd' optimizer*'adam'*");
        FluentActions.Invoking(() => new Trainer(device, model, sgd, new TrainerOptions { ArchitectureId = "mlp" }).LoadCheckpoint(path, otherBatch))
            .Should().Throw<CheckpointException>().WithMessage("*batch size 32*batch size 64*");
        FluentActions.Invoking(() => new Trainer(device, model, sgd, new TrainerOptions { ArchitectureId = "cnn" }).LoadCheckpoint(path, loader))
            .Should().Throw<CheckpointException>().WithMessage("*'mlp'*'cnn'*");
    }

    [Theory]
    [InlineData("global step 2^62")]
    [InlineData("epoch 2^31-1")]
    [InlineData("negative seen")]
    public void LoadCheckpoint_ForgedCountersWithValidChecksum_AreRejected(string forgery)
    {
        string path = _dir.File("forged.ckpt");
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 16, 10, seed: 1);
        using var sgd = new Sgd(0.05f);
        using var loader = new BatchLoader(Train.Value, Batch);
        var trainer = new Trainer(device, model, sgd, new TrainerOptions { MaxSteps = 2, ArchitectureId = "mlp" });
        trainer.Fit(loader);
        trainer.SaveCheckpoint(path, loader);
        CheckpointData good = Checkpoint.Load(path);
        CheckpointData forged = forgery switch
        {
            "global step 2^62" => good with { GlobalStep = 1L << 62 },
            "epoch 2^31-1" => good with { Epoch = int.MaxValue },
            _ => good with { Counters = good.Counters with { Seen = -5 } },
        };
        Checkpoint.Save(path, forged); // a valid checksum over impossible values

        FluentActions.Invoking(() => new Trainer(device, model, sgd, new TrainerOptions { ArchitectureId = "mlp" }).LoadCheckpoint(path, loader))
            .Should().Throw<CheckpointException>().WithMessage("*impossible*");
    }

    [Fact]
    public void RunReport_Write_HoldsTheRequiredFields()
    {
        string path = _dir.File("report.json");
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        TrainingResult result;
        using (var model = new TinyMlp(device, 784, 16, 10, seed: 1))
        using (var sgd = new Sgd(0.05f))
        using (var train = new BatchLoader(Train.Value, Batch))
        using (var test = new BatchLoader(Test.Value, 128, BatchLoaderOptions.Evaluation))
        {
            result = new Trainer(device, model, sgd, new TrainerOptions { Epochs = 1 }).Fit(train, test);
        }

        RunReport report = RunReport.From(result, device, "tiny-mlp", 12_730, new Dictionary<string, string> { ["optimizer"] = "sgd" });
        report.Write(path);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        root.GetProperty("testAccuracy").GetDouble().Should().Be(result.TestAccuracy!.Value);
        root.GetProperty("epochs").GetInt32().Should().Be(1);
        root.GetProperty("seconds").GetDouble().Should().BePositive();
        root.GetProperty("device").GetString().Should().StartWith("Host");
        root.GetProperty("model").GetString().Should().Be("tiny-mlp");
        root.GetProperty("parameterCount").GetInt64().Should().Be(12_730);
        root.GetProperty("activationPeakBytes").GetInt64().Should().Be(result.PeakBytesByCategory["Activations"]).And.BePositive();
        root.GetProperty("totalPeakBytes").GetInt64().Should().Be(result.PeakInUseBytes);
        root.GetProperty("history").GetArrayLength().Should().Be(1);
        root.GetProperty("history")[0].GetProperty("testAccuracy").GetDouble().Should().Be(result.TestAccuracy.Value);
        root.GetProperty("settings").GetProperty("optimizer").GetString().Should().Be("sgd");
        RunReport.Parse(File.ReadAllText(path)).Should().BeEquivalentTo(report);
    }

    private static LearningRateSchedule Schedule() => LearningRateSchedule.Step(0.05f, [25, 45], 0.5f).WithWarmup(5);

    /// <summary>One training run in fresh objects; optionally stops after some steps and saves, or resumes from a file.</summary>
    private static Outcome RunToEnd(
        BatchLoaderOptions loaderOptions, Func<IOptimizer> makeOptimizer, LearningRateSchedule schedule, int epochs,
        long? maxSteps = null, string? saveTo = null, string? resumeFrom = null, int modelSeed = 3)
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 784, 24, 10, modelSeed);
        using IOptimizer optimizer = makeOptimizer();
        using var train = new BatchLoader(Train.Value, Batch, loaderOptions);
        using var test = new BatchLoader(Test.Value, 100, BatchLoaderOptions.Evaluation);
        var trainer = new Trainer(
            device, model, optimizer,
            new TrainerOptions { Epochs = epochs, Schedule = schedule, MaxSteps = maxSteps, ArchitectureId = "tiny-mlp/784-24-10" });
        (List<float> losses, TrainingResult result) = TrainerRun.Fit(trainer, train, test, resumeFrom, saveTo);
        return new Outcome(losses, [.. model.Parameters.Select(p => p.Value.ToArray())], model.Buffers[0].Value.ToArray(), result);
    }

    private sealed record Outcome(List<float> Losses, float[][] Weights, float[] Buffer, TrainingResult Result);
}
