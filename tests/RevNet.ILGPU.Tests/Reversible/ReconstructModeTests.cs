using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Layers;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reversible;

/// <summary>
/// Whole networks (stem, transitions, reversible runs, head) in Store and Reconstruct mode on the same weights:
/// gradients, one SGD step, running statistics, determinism. Tiny shapes so the ILGPU CPU simulator can run them.
/// </summary>
public abstract class ReconstructModeTests(DeviceFixture fixture)
{
    private const int Batch = 2;

    /// <summary>A tiny RevNet: 2-2-1 units, widths 4/8/8 (halves 2/4/4), stem 4, 3x8x8 images, 5 classes.</summary>
    internal static readonly ModelSpec TinyRevNet = new("tiny-revnet", true, false, [2, 2, 1], [4, 8, 8], 4);

    internal static readonly ModelOptions TinyOptions = new() { InputChannels = 3, ImageSize = 8, Classes = 5, Seed = 11 };

    [SkippableFact]
    public void Audit_TinyRevNet_ReconstructGradientsEqualStore()
    {
        ComputeDevice device = fixture.Require();
        using Model model = ModelZoo.Create(TinyRevNet, device, TinyOptions);
        using Tensor x = device.RandomTensor(21, Batch, 3, 8, 8);
        AuditReport report = ReversibilityAudit.Run(model, x, [1, 4]);

        report.Blocks.Should().HaveCount(2, "stage 1 and 2 each have one reversible block after the transition");
        report.Blocks.Should().OnlyContain(b => b.MaxAbsInput > 0.1 && b.MaxAbsError == 0, "the coupling grid makes the inverse exact");
        report.ReconstructLoss.Should().Be(report.StoreLoss);
        report.AllParameters.Cosine.Should().BeGreaterThan(0.99999);
        report.AllParameters.RelativeError.Should().BeLessThan(1e-4);
        report.InputGradient.Cosine.Should().BeGreaterThan(0.99999);
        report.InputGradient.RelativeError.Should().BeLessThan(1e-4);
        report.Parameters.Should().HaveCount(model.Parameters.Count);
        report.Parameters.Should().OnlyContain(p => p.MaxAbsDifference == 0, "rebuilt activations are bit-identical");
    }

    [SkippableFact]
    public void SgdStep_FromIdenticalWeights_LeavesIdenticalWeightsAndRunningStats()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        using (Model store = ModelZoo.Create(TinyRevNet, device, TinyOptions))
        using (Model rec = ModelZoo.Create(TinyRevNet, device, TinyOptions))
        using (Tensor x = device.RandomTensor(22, Batch, 3, 8, 8))
        {
            store.Mode = ActivationMode.Store;
            rec.Mode = ActivationMode.Reconstruct;
            float[][] initial = LayerTestKit.Values(store.Parameters);
            TrainStep(store, x, [0, 3]);
            TrainStep(rec, x, [0, 3]);

            for (int i = 0; i < store.Parameters.Count; i++)
            {
                float[] a = store.Parameters[i].Value.ToArray();
                float[] b = rec.Parameters[i].Value.ToArray();
                LayerTestKit.RelativeError(a, initial[i]).Should().BeGreaterThan(0, $"{store.Parameters[i].Name} must move");
                LayerTestKit.RelativeError(b, a).Should().BeLessThan(1e-6, store.Parameters[i].Name);
            }

            for (int i = 0; i < store.Buffers.Count; i++)
            {
                float[] a = store.Buffers[i].Value.ToArray();
                float[] b = rec.Buffers[i].Value.ToArray();
                LayerTestKit.RelativeError(b, a).Should().BeLessThan(1e-6, store.Buffers[i].Name);
            }

            foreach (BatchNorm2d bn in ReversibleBlockTests.AllBatchNorms(rec))
            {
                bn.RunningUpdates.Should().Be(1, "the running statistics of every BN are updated once per step");
            }
        }

        device.Pool.RentedCount.Should().Be(rented, "everything is returned after disposal");
    }

    [SkippableFact]
    public void Reconstruct_Rerun_IsBitIdentical()
    {
        ComputeDevice device = fixture.Require();
        using Model model = ModelZoo.Create(TinyRevNet, device, TinyOptions);
        using Tensor x = device.RandomTensor(23, Batch, 3, 8, 8);
        var rebuilt = new List<List<float[]>>();
        float[][]? first = null;
        for (int run = 0; run < 2; run++)
        {
            var capture = new LayerCapture(CaptureKind.RebuiltInput);
            model.Network.Observers.Add(capture);
            LayerTestKit.ZeroGradients(model);
            using (Tensor logits = model.Forward(x, training: true))
            using (Tensor dlogits = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace))
            {
                TensorOps.SoftmaxCrossEntropy(logits, [2, 2], dlogits);
                model.Backward(dlogits).Dispose();
            }

            model.Network.Observers.Remove(capture);
            rebuilt.Add([.. capture.Captures.Select(c => c.Values)]);
            float[][] grads = LayerTestKit.Gradients(model);
            if (first is null)
            {
                first = grads;
                continue;
            }

            for (int p = 0; p < grads.Length; p++)
            {
                TensorAssert.BitIdentical(grads[p], first[p], model.Parameters[p].Name);
            }
        }

        rebuilt[0].Should().HaveCount(2);
        for (int b = 0; b < rebuilt[0].Count; b++)
        {
            TensorAssert.BitIdentical(rebuilt[1][b], rebuilt[0][b], $"rebuilt input of block {b}");
        }
    }

    internal static float TrainStep(Model model, Tensor x, int[] labels)
    {
        ComputeDevice device = x.Device;
        LayerTestKit.ZeroGradients(model);
        float loss;
        using (Tensor logits = model.Forward(x, training: true))
        using (Tensor dlogits = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace))
        {
            loss = TensorOps.SoftmaxCrossEntropy(logits, labels, dlogits);
            model.Backward(dlogits).Dispose();
        }

        foreach (Parameter p in model.Parameters)
        {
            using Tensor v = device.Pool.RentZeroed(p.Shape, MemoryCategory.OptimizerState);
            TensorOps.SgdStep(p.Value, p.Gradient!, v, 0.1f, 0.9f, 5e-4f, nesterov: false);
        }

        return loss;
    }
}

[Collection(HostCollection.Name)]
public sealed class HostReconstructModeTests(HostFixture fixture) : ReconstructModeTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuReconstructModeTests(IlgpuCpuFixture fixture) : ReconstructModeTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaReconstructModeTests(CudaFixture fixture) : ReconstructModeTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLReconstructModeTests(OpenCLFixture fixture) : ReconstructModeTests(fixture);
