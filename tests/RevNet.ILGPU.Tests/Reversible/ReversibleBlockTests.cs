using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Layers;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reversible;

/// <summary>
/// The additive coupling on tiny shapes (batch 2, 4 channels, 6x6 — the ILGPU CPU simulator is slow):
/// inverse∘forward and forward∘inverse are the identity (on the coupling grid); the memory-free backward equals the
/// saved-path backward bit for bit, for the input and every parameter, over 10 seeds; the recompute is deterministic.
/// </summary>
public abstract class ReversibleBlockTests(DeviceFixture fixture)
{
    private const int N = 2, C = 4, H = 6, W = 6;

    [SkippableFact]
    public void Inverse_OfForward_IsIdentity_AndForwardOfInverse_IsIdentity()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        using (ReversibleBlock block = LayerTestKit.Block(device, C, seed: 1))
        using (Tensor x = device.RandomTensor(11, N, C, H, W))
        {
            // Put the running statistics somewhere non-trivial, then invert in evaluation mode.
            using (Tensor warm = block.Forward(x, training: true))
            {
            }

            float[] xs = x.ToArray();
            LayerTestKit.MaxAbs(xs).Should().BeGreaterThan(0.5, "an all-zero input would make the identity check vacuous");
            using Tensor y = block.Forward(x, training: false);
            float[] ys = y.ToArray();
            LayerTestKit.RelativeError(ys, xs).Should().BeGreaterThan(0.1, "F and G must change the input");
            using Tensor xr = block.Inverse(y);

            // The block rounds its input to the coupling grid (2^-15) and then inverts exactly.
            TensorAssert.Close(xr.ToArray(), xs, atol: Coupling.GridStep / 2, rtol: 0, what: "inverse(forward(x)) vs x");
            using (Tensor snapped = device.ToTensor(xs, N, C, H, W))
            {
                TensorOps.GridRound(snapped, Coupling.GridStep, snapped);
                TensorAssert.BitIdentical(xr.ToArray(), snapped.ToArray(), "inverse(forward(x)) vs x on the grid");
            }

            // Outputs of the block lie on the grid; there forward(inverse(y)) is exact.
            using Tensor yTarget = device.RandomTensor(12, N, C, H, W);
            TensorOps.GridRound(yTarget, Coupling.GridStep, yTarget);
            using Tensor xInv = block.Inverse(yTarget);
            using Tensor yBack = block.Forward(xInv, training: false);
            TensorAssert.BitIdentical(yBack.ToArray(), yTarget.ToArray(), "forward(inverse(y))");
        }

        device.Pool.RentedCount.Should().Be(rented);
    }

    [SkippableFact]
    public void BackwardFromOutput_MatchesSavedBackward_InputAndEveryParameter_Over10Seeds()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        for (int seed = 0; seed < 10; seed++)
        {
            using ReversibleBlock block = LayerTestKit.Block(device, C, seed: 100 + seed);
            using Tensor x = device.RandomTensor(200 + seed, N, C, H, W);
            float[] xs = x.ToArray();

            LayerTestKit.ZeroGradients(block);
            (_, float[] dxSaved) = LayerTestKit.Step(block, x, seed: 300 + seed);
            float[][] gradSaved = LayerTestKit.Gradients(block);

            LayerTestKit.ZeroGradients(block);
            using Tensor y = block.Forward(x, training: true);
            using Tensor dy = device.ToTensor(TestData.Uniform(300 + seed, y.ElementCount), N, C, H, W);
            (Tensor xr, Tensor dx) = block.BackwardFromOutput(y, dy);
            using (xr)
            using (dx)
            {
                TensorAssert.Close(xr.ToArray(), xs, atol: Coupling.GridStep / 2, rtol: 0, what: $"seed {seed}: rebuilt input");
                TensorAssert.BitIdentical(dx.ToArray(), dxSaved, $"seed {seed}: input gradient");
            }

            float[][] gradRebuilt = LayerTestKit.Gradients(block);
            for (int p = 0; p < gradSaved.Length; p++)
            {
                LayerTestKit.MaxAbs(gradSaved[p]).Should().BeGreaterThan(0, $"{block.Parameters[p].Name} must get a gradient");
                TensorAssert.BitIdentical(gradRebuilt[p], gradSaved[p], $"seed {seed}: {block.Parameters[p].Name}");
            }
        }

        device.Pool.RentedCount.Should().Be(rented);
    }

    [SkippableFact]
    public void Sequential_ReconstructOneBlock_MatchesStore_AndUpdatesRunningStatsOnce()
    {
        ComputeDevice device = fixture.Require();
        using ReversibleBlock a = LayerTestKit.Block(device, C, seed: 5);
        using ReversibleBlock b = LayerTestKit.Block(device, C, seed: 5);
        using var store = new Sequential(a) { Mode = ActivationMode.Store };
        using var rec = new Sequential(b) { Mode = ActivationMode.Reconstruct };
        using Tensor x = device.RandomTensor(7, N, C, H, W);

        (double lossS, float[] dxS) = LayerTestKit.Step(store, x, seed: 8);
        (double lossR, float[] dxR) = LayerTestKit.Step(rec, x, seed: 8);
        lossR.Should().Be(lossS, "the forward is the same computation in both modes");
        TensorAssert.Close(dxR, dxS, atol: 1e-5, rtol: 1e-4, what: "input gradient");
        float[][] gs = LayerTestKit.Gradients(a), gr = LayerTestKit.Gradients(b);
        for (int p = 0; p < gs.Length; p++)
        {
            TensorAssert.Close(gr[p], gs[p], atol: 1e-5, rtol: 1e-4, what: a.Parameters[p].Name);
        }

        for (int p = 0; p < a.Buffers.Count; p++)
        {
            TensorAssert.BitIdentical(b.Buffers[p].Value.ToArray(), a.Buffers[p].Value.ToArray(), a.Buffers[p].Name);
        }

        foreach (BatchNorm2d bn in AllBatchNorms(b))
        {
            bn.RunningUpdates.Should().Be(1, "a reconstructing step updates running statistics exactly once");
        }
    }

    [SkippableFact]
    public void BackwardFromOutput_Rerun_IsBitIdentical()
    {
        ComputeDevice device = fixture.Require();
        using ReversibleBlock block = LayerTestKit.Block(device, C, seed: 9);
        using Tensor x = device.RandomTensor(10, N, C, H, W);
        using Tensor dy = device.RandomTensor(11, N, C, H, W);
        float[]? firstX = null, firstDx = null;
        float[][]? firstGrads = null;
        for (int run = 0; run < 2; run++)
        {
            LayerTestKit.ZeroGradients(block);
            using Tensor y = block.Forward(x, training: true);
            (Tensor xr, Tensor dx) = block.BackwardFromOutput(y, dy);
            using (xr)
            using (dx)
            {
                if (run == 0)
                {
                    (firstX, firstDx, firstGrads) = (xr.ToArray(), dx.ToArray(), LayerTestKit.Gradients(block));
                    continue;
                }

                TensorAssert.BitIdentical(xr.ToArray(), firstX!, "rebuilt input");
                TensorAssert.BitIdentical(dx.ToArray(), firstDx!, "input gradient");
                float[][] grads = LayerTestKit.Gradients(block);
                for (int p = 0; p < grads.Length; p++)
                {
                    TensorAssert.BitIdentical(grads[p], firstGrads![p], block.Parameters[p].Name);
                }
            }
        }
    }

    [SkippableFact]
    public void Backward_WithoutTrainingForward_ThrowsInvalidOperation()
    {
        ComputeDevice device = fixture.Require();
        using ReversibleBlock block = LayerTestKit.Block(device, C, seed: 2);
        using Tensor x = device.RandomTensor(3, N, C, H, W);
        using Tensor dy = device.RandomTensor(4, N, C, H, W);
        ((Action)(() => block.Backward(dy).Dispose())).Should().Throw<InvalidOperationException>();
        ((Action)(() => block.BackwardFromOutput(x, dy))).Should().Throw<InvalidOperationException>();
        using (Tensor y = block.Forward(x, training: false))
        {
            ((Action)(() => block.Backward(dy).Dispose())).Should().Throw<InvalidOperationException>();
        }

        using Tensor odd = device.RandomTensor(5, N, 3, H, W);
        ((Action)(() => block.Forward(odd, training: true).Dispose())).Should().Throw<ArgumentException>();
    }

    internal static IEnumerable<BatchNorm2d> AllBatchNorms(ILayer layer) => layer switch
    {
        BatchNorm2d bn => [bn],
        Sequential s => s.Layers.SelectMany(AllBatchNorms),
        ReversibleBlock b => AllBatchNorms(b.F).Concat(AllBatchNorms(b.G)),
        CouplingTransition t => new[] { t.F, t.G, t.Shortcut1, t.Shortcut2 }.OfType<ILayer>().SelectMany(AllBatchNorms),
        ResidualUnit u => new[] { u.F, u.Shortcut }.OfType<ILayer>().SelectMany(AllBatchNorms),
        RevNet.ILGPU.Models.Model m => AllBatchNorms(m.Network),
        _ => [],
    };
}

[Collection(HostCollection.Name)]
public sealed class HostReversibleBlockTests(HostFixture fixture) : ReversibleBlockTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuReversibleBlockTests(IlgpuCpuFixture fixture) : ReversibleBlockTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaReversibleBlockTests(CudaFixture fixture) : ReversibleBlockTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLReversibleBlockTests(OpenCLFixture fixture) : ReversibleBlockTests(fixture);
