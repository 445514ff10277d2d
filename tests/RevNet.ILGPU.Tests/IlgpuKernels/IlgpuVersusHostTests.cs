using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>
/// The ILGPU backend against the Host backend on one small conv → BN(+ReLU) → pool → linear → loss chain, forward
/// and backward, on ragged shapes: both backends must agree within float tolerance at every step.
/// </summary>
public abstract class IlgpuVersusHostTests(DeviceFixture fixture)
{
    [SkippableFact]
    public void ConvBnPoolLinearLoss_ForwardAndBackward_AgreeWithHost()
    {
        ComputeDevice ilgpu = fixture.Require();
        using ComputeDevice host = ComputeDevice.Create(DeviceKind.Host);
        Dictionary<string, float[]> a = RunChain(ilgpu);
        Dictionary<string, float[]> b = RunChain(host);
        foreach ((string name, float[] value) in a)
        {
            value.Should().Contain(v => v != 0f, "{0} must not be trivially zero", name);
            TensorAssert.Close(value, b[name], atol: 1e-4, rtol: 1e-3, what: name + " (ILGPU vs Host)");
        }
    }

    private static Dictionary<string, float[]> RunChain(ComputeDevice d)
    {
        const int N = 2, C = 3, H = 6, W = 8, K = 5, Classes = 4;
        var g = Conv2dGeometry.Create(N, C, H, W, K, 3, 1, 1);
        using Tensor x = d.RandomTensor(201, N, C, H, W);
        using Tensor w = d.RandomTensor(202, K, C, 3, 3);
        using Tensor gamma = d.ToTensor(TestData.Uniform(203, K, 0.5f, 1.5f), K);
        using Tensor beta = d.RandomTensor(204, K);
        using Tensor fw = d.RandomTensor(205, Classes, K);
        using Tensor fb = d.RandomTensor(206, Classes);
        using Tensor conv = d.RandomTensor(207, N, K, H, W);
        using Tensor mean = d.RandomTensor(208, K);
        using Tensor invStd = d.RandomTensor(209, K);
        using Tensor bn = d.RandomTensor(210, N, K, H, W);
        using Tensor pooled = d.RandomTensor(211, N, K, H / 2, W / 2);
        using Tensor features = d.RandomTensor(212, N, K);
        using Tensor logits = d.RandomTensor(213, N, Classes);
        using Tensor dlogits = d.RandomTensor(214, N, Classes);

        TensorOps.Conv2dForward(x, w, conv, g);
        TensorOps.BatchNormStatistics(conv, mean, invStd, 1e-5f);
        TensorOps.BatchNormApply(conv, mean, invStd, gamma, beta, bn, relu: true);
        TensorOps.AvgPool2x2Forward(bn, pooled);
        TensorOps.GlobalAvgPoolForward(pooled, features);
        TensorOps.LinearForward(features, fw, fb, logits);
        float loss = TensorOps.SoftmaxCrossEntropy(logits, [1, 3], dlogits);

        using Tensor dfw = d.ToTensor(new float[Classes * K], Classes, K);
        using Tensor dfb = d.ToTensor(new float[Classes], Classes);
        using Tensor dfeatures = d.RandomTensor(215, N, K, 1, 1);
        using Tensor dpooled = d.RandomTensor(216, N, K, H / 2, W / 2);
        using Tensor dbn = d.RandomTensor(217, N, K, H, W);
        using Tensor dconv = d.RandomTensor(218, N, K, H, W);
        using Tensor dgamma = d.ToTensor(new float[K], K);
        using Tensor dbeta = d.ToTensor(new float[K], K);
        using Tensor dx = d.RandomTensor(219, N, C, H, W);
        using Tensor dw = d.ToTensor(new float[K * C * 9], K, C, 3, 3);
        TensorOps.LinearBackward(features, fw, dlogits, dfeatures, dfw, dfb);
        TensorOps.GlobalAvgPoolBackward(dfeatures, dpooled);
        TensorOps.AvgPool2x2Backward(dpooled, dbn);
        TensorOps.ReluBackward(bn, dbn, dbn);
        TensorOps.BatchNormBackward(conv, dbn, mean, invStd, gamma, dconv, dgamma, dbeta);
        TensorOps.Conv2dBackwardInput(dconv, w, dx, g);
        TensorOps.Conv2dBackwardWeight(x, dconv, dw, g);

        return new Dictionary<string, float[]>
        {
            ["conv"] = conv.ToArray(),
            ["bn mean"] = mean.ToArray(),
            ["bn invStd"] = invStd.ToArray(),
            ["bn+relu"] = bn.ToArray(),
            ["logits"] = logits.ToArray(),
            ["loss"] = [loss],
            ["dlogits"] = dlogits.ToArray(),
            ["linear dw"] = dfw.ToArray(),
            ["linear db"] = dfb.ToArray(),
            ["bn dx"] = dconv.ToArray(),
            ["dgamma"] = dgamma.ToArray(),
            ["dbeta"] = dbeta.ToArray(),
            ["conv dx"] = dx.ToArray(),
            ["conv dw"] = dw.ToArray(),
        };
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuVersusHostTests(IlgpuCpuFixture fixture) : IlgpuVersusHostTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaVersusHostTests(CudaFixture fixture) : IlgpuVersusHostTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLVersusHostTests(OpenCLFixture fixture) : IlgpuVersusHostTests(fixture);
