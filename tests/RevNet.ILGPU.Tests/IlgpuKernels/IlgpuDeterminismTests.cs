using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>
/// The reductions of the ILGPU backend (conv weight gradient, BN statistics and backward, the loss) give the same
/// bits when run twice on the same inputs.
/// </summary>
public abstract class IlgpuDeterminismTests(DeviceFixture fixture)
{
    [SkippableFact]
    public void Reductions_RunTwice_BitIdentical()
    {
        ComputeDevice device = fixture.Require();
        float[][] first = RunReductions(device);
        float[][] second = RunReductions(device);
        string[] names =
        [
            "conv dw", "conv dw (batch split)", "bn mean", "bn invStd", "bn dx", "bn dgamma", "bn dbeta", "loss",
            "dlogits",
        ];
        for (int i = 0; i < first.Length; i++)
        {
            first[i].Should().NotBeEmpty();
            first[i].Should().Contain(v => v != 0f, "{0} must not be trivially zero", names[i]);
            TensorAssert.BitIdentical(first[i], second[i], names[i]);
        }
    }

    private static float[][] RunReductions(ComputeDevice device)
    {
        var g = Conv2dGeometry.Create(2, 3, 5, 7, 5, 3, 1, 1);
        using Tensor x = device.RandomTensor(101, 2, 3, 5, 7);
        using Tensor dy = device.RandomTensor(102, 2, 5, 5, 7);
        using Tensor dw = device.ToTensor(new float[5 * 3 * 3 * 3], 5, 3, 3, 3);
        TensorOps.Conv2dBackwardWeight(x, dy, dw, g);

        var split = Conv2dGeometry.Create(5, 2, 11, 11, 3, 3, 1, 1);
        using Tensor xs = device.RandomTensor(109, 5, 2, 11, 11);
        using Tensor dys = device.RandomTensor(110, 5, 3, 11, 11);
        using Tensor dws = device.ToTensor(new float[3 * 2 * 3 * 3], 3, 2, 3, 3);
        TensorOps.Conv2dBackwardWeight(xs, dys, dws, split);

        using Tensor mean = device.RandomTensor(103, 5);
        using Tensor invStd = device.RandomTensor(104, 5);
        using Tensor gamma = device.RandomTensor(105, 5);
        using Tensor bnDx = device.RandomTensor(106, 2, 5, 5, 7);
        using Tensor dgamma = device.ToTensor(new float[5], 5);
        using Tensor dbeta = device.ToTensor(new float[5], 5);
        TensorOps.BatchNormStatistics(dy, mean, invStd, 1e-5f);
        TensorOps.BatchNormBackward(dy, dy, mean, invStd, gamma, bnDx, dgamma, dbeta);

        using Tensor logits = device.RandomTensor(107, 2, 5);
        using Tensor dlogits = device.RandomTensor(108, 2, 5);
        float loss = TensorOps.SoftmaxCrossEntropy(logits, [4, 1], dlogits);

        return
        [
            dw.ToArray(), dws.ToArray(), mean.ToArray(), invStd.ToArray(), bnDx.ToArray(), dgamma.ToArray(),
            dbeta.ToArray(), [loss], dlogits.ToArray(),
        ];
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuDeterminismTests(IlgpuCpuFixture fixture) : IlgpuDeterminismTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaDeterminismTests(CudaFixture fixture) : IlgpuDeterminismTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLDeterminismTests(OpenCLFixture fixture) : IlgpuDeterminismTests(fixture);
