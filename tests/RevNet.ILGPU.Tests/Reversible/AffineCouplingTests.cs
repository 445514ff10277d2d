using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Layers;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reversible;

/// <summary>The affine coupling (bounded scale σ(s + 2)): inverse, memory-free backward, finite differences.</summary>
public abstract class AffineCouplingTests(DeviceFixture fixture)
{
    private const int N = 2, C = 4, H = 5, W = 5;

    [SkippableFact]
    public void Inverse_OfForward_IsIdentity_AndForwardOfInverse_IsIdentity()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        using (AffineCoupling block = Create(device, 1))
        using (Tensor x = device.RandomTensor(2, N, C, H, W))
        {
            block.Forward(x, training: true).Dispose(); // non-trivial running statistics
            float[] xs = x.ToArray();
            LayerTestKit.MaxAbs(xs).Should().BeGreaterThan(0.5);
            using Tensor y = block.Forward(x, training: false);
            LayerTestKit.RelativeError(y.ToArray(), xs).Should().BeGreaterThan(0.1, "the coupling must change its input");
            using Tensor xr = block.Inverse(y);
            TensorAssert.Close(xr.ToArray(), xs, atol: 1e-5, rtol: 1e-4, what: "inverse(forward(x))");

            using Tensor yTarget = device.RandomTensor(3, N, C, H, W);
            using Tensor xInv = block.Inverse(yTarget);
            using Tensor yBack = block.Forward(xInv, training: false);
            TensorAssert.Close(yBack.ToArray(), yTarget.ToArray(), atol: 1e-5, rtol: 1e-4, what: "forward(inverse(y))");
        }

        device.Pool.RentedCount.Should().Be(rented);
    }

    [SkippableFact]
    public void BackwardFromOutput_MatchesSavedBackward_Over10Seeds()
    {
        ComputeDevice device = fixture.Require();
        for (int seed = 0; seed < 10; seed++)
        {
            using AffineCoupling block = Create(device, 10 + seed);
            using Tensor x = device.RandomTensor(20 + seed, N, C, H, W);
            LayerTestKit.ZeroGradients(block);
            (_, float[] dxSaved) = LayerTestKit.Step(block, x, seed: 30 + seed);
            float[][] gSaved = LayerTestKit.Gradients(block);

            LayerTestKit.ZeroGradients(block);
            using Tensor y = block.Forward(x, training: true);
            using Tensor dy = device.ToTensor(TestData.Uniform(30 + seed, y.ElementCount), N, C, H, W);
            (Tensor xr, Tensor dx) = block.BackwardFromOutput(y, dy);
            using (xr)
            using (dx)
            {
                TensorAssert.Close(xr.ToArray(), x.ToArray(), atol: 1e-5, rtol: 1e-4, what: $"seed {seed}: rebuilt input");
                TensorAssert.Close(dx.ToArray(), dxSaved, atol: 1e-5, rtol: 1e-3, what: $"seed {seed}: input gradient");
            }

            float[][] gRebuilt = LayerTestKit.Gradients(block);
            for (int p = 0; p < gSaved.Length; p++)
            {
                LayerTestKit.MaxAbs(gSaved[p]).Should().BeGreaterThan(0);
                TensorAssert.Close(gRebuilt[p], gSaved[p], atol: 1e-5, rtol: 1e-3, what: $"seed {seed}: {block.Parameters[p].Name}");
            }
        }
    }

    [SkippableFact]
    public void Backward_MatchesFiniteDifferences_AndSequentialReconstructMatchesStore()
    {
        ComputeDevice device = fixture.Require();
        using AffineCoupling block = Create(device, 4);
        float[] xs = TestData.Uniform(5, N * C * H * W);
        using Tensor x = device.ToTensor(xs, N, C, H, W);
        float[] r = TestData.Uniform(6, xs.Length);
        LayerTestKit.ZeroGradients(block);
        (_, float[] dx) = LayerTestKit.Step(block, x, seed: 6);

        const float eps = 1e-2f;
        var rng = new Random(7);
        float[] work = (float[])xs.Clone();
        for (int k = 0; k < 20; k++)
        {
            int i = rng.Next(xs.Length);
            double Loss(float v)
            {
                work[i] = v;
                x.CopyFrom(work);
                using Tensor y = block.Forward(x, training: true);
                return LayerTestKit.Dot(r, y.ToArray());
            }

            double numeric = (Loss(xs[i] + eps) - Loss(xs[i] - eps)) / (2 * eps);
            work[i] = xs[i];
            Math.Abs(numeric - dx[i]).Should().BeLessThanOrEqualTo(
                2e-3 + (1e-2 * Math.Abs(numeric)),
                string.Create(CultureInfo.InvariantCulture, $"dx[{i}]: analytic {dx[i]:R}, numeric {numeric:R}"));
        }

        x.CopyFrom(xs);
        using var store = new Sequential(Create(device, 8)) { Mode = ActivationMode.Store };
        using var rec = new Sequential(Create(device, 8)) { Mode = ActivationMode.Reconstruct };
        (double ls, float[] dxs) = LayerTestKit.Step(store, x, seed: 9);
        (double lr, float[] dxr) = LayerTestKit.Step(rec, x, seed: 9);
        lr.Should().Be(ls);
        TensorAssert.Close(dxr, dxs, atol: 1e-5, rtol: 1e-3, what: "input gradient, Reconstruct vs Store");
    }

    private static AffineCoupling Create(ComputeDevice device, int seed)
    {
        int half = C / 2;
        Sequential Net(int s, string name) => new(
            new BatchNorm2d(device, half, relu: true, name: name + ".bn"),
            new Conv2d(device, half, 2 * half, 3, seed: s, name: name + ".conv"));
        return new AffineCoupling(Net(seed, "f"), Net(seed + 1, "g"));
    }
}

[Collection(HostCollection.Name)]
public sealed class HostAffineCouplingTests(HostFixture fixture) : AffineCouplingTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuAffineCouplingTests(IlgpuCpuFixture fixture) : AffineCouplingTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaAffineCouplingTests(CudaFixture fixture) : AffineCouplingTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLAffineCouplingTests(OpenCLFixture fixture) : AffineCouplingTests(fixture);
