using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Models;

/// <summary>Zoo models in training: the memory benchmark's rows and warm pool, the audit, leak-free disposal.</summary>
[Collection(HostCollection.Name)]
public sealed class ModelTrainingTests(HostFixture fixture)
{
    private static readonly ModelOptions Small = new() { InputChannels = 1, ImageSize = 8, Classes = 10, Seed = 1 };

    [SkippableTheory]
    [InlineData("revnet38", ActivationMode.Reconstruct)]
    [InlineData("revnet38", ActivationMode.Store)]
    [InlineData("resnet32", ActivationMode.Store)]
    [InlineData("revnet164", ActivationMode.Reconstruct)]
    public void MemoryBenchmark_AfterWarmup_StepAllocatesNothing_AndReportsRow(string name, ActivationMode mode)
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        MemoryBenchmarkRow row = MemoryBenchmark.Run(device, name, mode, batch: 2, steps: 2, Small);
        row.NewAllocations.Should().Be(0, "a warm pool serves every buffer of a step");
        row.Model.Should().Be(name);
        row.Depth.Should().Be(ModelZoo.Spec(name).Depth);
        row.Mode.Should().Be(mode == ActivationMode.Store ? "store" : "reconstruct");
        row.Batch.Should().Be(2);
        row.ActivationPeakBytes.Should().BeGreaterThan(0);
        row.TotalPeakBytes.Should().BeGreaterThan(row.ActivationPeakBytes);
        row.ForwardMs.Should().BeGreaterThan(0);
        row.BackwardMs.Should().BeGreaterThan(0);
        row.StepMs.Should().BeGreaterThanOrEqualTo(row.ForwardMs + row.BackwardMs);
        device.Pool.RentedCount.Should().Be(rented);
    }

    [SkippableFact]
    public void MemoryBenchmark_RevNet_ReconstructPeakIsFlatInDepth_AndBelowStore()
    {
        ComputeDevice device = fixture.Require();
        var options = new ModelOptions { InputChannels = 3, ImageSize = 16, Classes = 10 };
        MemoryBenchmarkRow rev38 = MemoryBenchmark.Run(device, "revnet38", ActivationMode.Reconstruct, 4, 1, options);
        MemoryBenchmarkRow rev110 = MemoryBenchmark.Run(device, "revnet110", ActivationMode.Reconstruct, 4, 1, options);
        MemoryBenchmarkRow store110 = MemoryBenchmark.Run(device, "revnet110", ActivationMode.Store, 4, 1, options);
        ((double)rev110.ActivationPeakBytes / rev38.ActivationPeakBytes).Should().BeLessThan(1.05);
        ((double)store110.ActivationPeakBytes / rev110.ActivationPeakBytes).Should().BeGreaterThan(5);
    }

    [SkippableFact]
    public void Audit_SmallRevNet_GradientsBitIdentical_AndStoreUsesMoreActivationMemory()
    {
        ComputeDevice device = fixture.Require();
        using Model model = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist);
        using Tensor x = device.RandomTensor(5, 4, 1, 28, 28);
        ActivationMode before = model.Mode;
        AuditReport report = ReversibilityAudit.Run(model, x, [3, 1, 4, 1]);
        model.Mode.Should().Be(before, "the audit restores the mode");
        report.Blocks.Should().HaveCount(3, "one reversible block per stage after each transition");
        report.Blocks.Should().OnlyContain(b => b.MaxAbsError == 0 && b.MaxAbsInput > 0);
        report.Parameters.Should().OnlyContain(p => p.MaxAbsDifference == 0 && p.Cosine == 1);
        report.StoreActivationPeakBytes.Should().BeGreaterThan(report.ReconstructActivationPeakBytes);
        report.StoreLoss.Should().BeInRange(1.5f, 3.5f, "ten classes at initialisation give a loss near ln 10");
    }

    [SkippableFact]
    public void Audit_FloatArithmetic_ReconstructCloseToStoreButNotExact()
    {
        ComputeDevice device = fixture.Require();
        using Model model = ModelZoo.Create(
            "revnet-small", device, ModelOptions.FashionMnist with { Arithmetic = CouplingArithmetic.Float });
        using Tensor x = device.RandomTensor(5, 4, 1, 28, 28);

        AuditReport report = ReversibilityAudit.Run(model, x, [3, 1, 4, 1]);

        report.Blocks.Should().HaveCount(3);
        report.MaxRelativeReconstructionError.Should().BeLessThan(1e-5, "plain float inversion is exact to rounding");
        report.Blocks.Should().Contain(b => b.MaxAbsError > 0, "without the grid the rebuilt inputs carry rounding error");
        report.AllParameters.Cosine.Should().BeGreaterThan(0.999999);
        report.AllParameters.RelativeError.Should().BeLessThan(1e-3);
    }

    [SkippableFact]
    public void Audit_LeavesRunningStatsAndGradientsUntouched()
    {
        ComputeDevice device = fixture.Require();
        using Model model = ModelZoo.Create("resnet-small", device, Small);
        using Tensor x = device.RandomTensor(6, 2, 1, 8, 8);
        float[][] buffers = [.. model.Buffers.Select(b => b.Value.ToArray())];
        float[][] grads = [.. model.Parameters.Select(p => p.Gradient!.ToArray())];
        AuditReport report = ReversibilityAudit.Run(model, x, [0, 9]);
        report.Blocks.Should().BeEmpty("a ResNet has no invertible layer");
        report.AllParameters.Cosine.Should().BeGreaterThan(0.99999, "a ResNet in Reconstruct mode only recomputes (checkpoints) its units");
        for (int i = 0; i < buffers.Length; i++)
        {
            TensorAssert.BitIdentical(model.Buffers[i].Value.ToArray(), buffers[i], model.Buffers[i].Name);
        }

        for (int i = 0; i < grads.Length; i++)
        {
            TensorAssert.BitIdentical(model.Parameters[i].Gradient!.ToArray(), grads[i], model.Parameters[i].Name);
        }
    }

    [SkippableFact]
    public void Model_Forward_GivesLogits_InEvalAndTraining()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        foreach (string name in new[] { "revnet-small", "resnet-small" })
        {
            using Model model = ModelZoo.Create(name, device, ModelOptions.FashionMnist);
            using Tensor x = device.RandomTensor(7, 3, 1, 28, 28);
            using Tensor eval = model.Forward(x, training: false);
            eval.Shape.Should().Be(new Shape(3, 10));
            eval.ToArray().Should().OnlyContain(v => float.IsFinite(v));
            using Tensor train = model.Forward(x, training: true);
            train.Shape.Should().Be(new Shape(3, 10));
        }

        device.Pool.RentedCount.Should().Be(rented, "models and their saved state are released on dispose");
    }
}
