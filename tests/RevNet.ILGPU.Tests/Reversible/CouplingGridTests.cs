using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reversible;

/// <summary>The fixed-point grid that makes the additive coupling exact.</summary>
public abstract class CouplingGridTests(DeviceFixture fixture)
{
    [SkippableFact]
    public void Snap_RoundsToNearestMultipleOfStep_AndStaysWithinHalfAStep()
    {
        ComputeDevice device = fixture.Require();
        float[] values = TestData.Uniform(1, 2 * 3 * 4 * 4, -100f, 100f);
        values[0] = 0.3f * Coupling.GridStep;
        values[1] = -0.7f * Coupling.GridStep;
        values[2] = 1000.123f; // beyond the exact range: still rounded onto (a multiple of) the grid
        using Tensor t = device.ToTensor(values, 2, 3, 4, 4);
        TensorOps.GridRound(t, Coupling.GridStep, t);
        float[] snapped = t.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            double k = snapped[i] / (double)Coupling.GridStep;
            k.Should().Be(Math.Round(k), $"element {i} must be a multiple of the step");
            Math.Abs((double)snapped[i] - values[i]).Should().BeLessThanOrEqualTo(i == 2 ? 1e-4 : Coupling.GridStep / 2.0);
        }

        snapped[0].Should().Be(0f);
        snapped[1].Should().Be(-Coupling.GridStep);
    }

    [SkippableFact]
    public void GridValues_AddAndSubtract_Exactly()
    {
        ComputeDevice device = fixture.Require();
        using Tensor x = device.RandomTensor(2, 2, 2, 3, 3);
        using Tensor f = device.RandomTensor(3, 2, 2, 3, 3);
        TensorOps.Axpy(40f, f, f); // |f| up to ~41
        TensorOps.GridRound(x, Coupling.GridStep, x);
        TensorOps.GridRound(f, Coupling.GridStep, f);
        float[] xs = x.ToArray();
        using Tensor y = device.Pool.Rent(x.Shape, MemoryCategory.Workspace);
        TensorOps.Add(x, f, y);
        TensorOps.Subtract(y, f, y);
        TensorAssert.BitIdentical(y.ToArray(), xs, "(x + f) − f");
    }
}

[Collection(HostCollection.Name)]
public sealed class HostCouplingGridTests(HostFixture fixture) : CouplingGridTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuCouplingGridTests(IlgpuCpuFixture fixture) : CouplingGridTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaCouplingGridTests(CudaFixture fixture) : CouplingGridTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLCouplingGridTests(OpenCLFixture fixture) : CouplingGridTests(fixture);
