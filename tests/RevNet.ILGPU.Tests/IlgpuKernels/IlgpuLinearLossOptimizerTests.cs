using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>The ILGPU linear, softmax cross-entropy and optimizer kernels against double loops.</summary>
public abstract class IlgpuLinearLossOptimizerTests(DeviceFixture fixture)
{
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_ForwardAndBackward_MatchReference(bool withInputGradient)
    {
        ComputeDevice device = fixture.Require();
        const int N = 3, In = 7, Out = 5;
        float[] x = TestData.Uniform(71, N * In);
        float[] w = TestData.Uniform(72, Out * In);
        float[] b = TestData.Uniform(73, Out);
        float[] dy = TestData.Uniform(74, N * Out);
        float[] dw0 = TestData.Uniform(75, Out * In);
        float[] db0 = TestData.Uniform(76, Out);
        float[] dxInitial = TestData.Uniform(77, N * In);
        using Tensor tx = device.ToTensor(x, N, In, 1, 1);
        using Tensor tw = device.ToTensor(w, Out, In);
        using Tensor tb = device.ToTensor(b, Out);
        using Tensor y = device.RandomTensor(78, N, Out);
        using Tensor tdy = device.ToTensor(dy, N, Out);
        using Tensor dx = device.ToTensor(dxInitial, N, In, 1, 1);
        using Tensor dw = device.ToTensor(dw0, Out, In);
        using Tensor db = device.ToTensor(db0, Out);

        TensorOps.LinearForward(tx, tw, tb, y);
        TensorOps.LinearBackward(tx, tw, tdy, withInputGradient ? dx : null, dw, db);

        double[] expectedY = LinearReference.Forward(x.ToDouble(), w.ToDouble(), b.ToDouble(), N, In, Out);
        double[] expectedDw = dw0.ToDouble();
        double[] expectedDb = db0.ToDouble();
        double[] expectedDx = LinearReference.Backward(
            x.ToDouble(), w.ToDouble(), dy.ToDouble(), N, In, Out, expectedDw, expectedDb);

        TensorAssert.Close(y.ToArray(), expectedY, what: "linear y");
        TensorAssert.Close(dw.ToArray(), expectedDw, what: "linear dw");
        TensorAssert.Close(db.ToArray(), expectedDb, what: "linear db");
        if (withInputGradient)
        {
            TensorAssert.Close(dx.ToArray(), expectedDx, what: "linear dx");
        }
        else
        {
            TensorAssert.BitIdentical(dx.ToArray(), dxInitial, "dx untouched when null is passed");
        }
    }

    [SkippableFact]
    public void SoftmaxCrossEntropy_LargeLogits_MatchesStableReference()
    {
        ComputeDevice device = fixture.Require();
        const int N = 3, K = 7;
        float[] logits = TestData.Uniform(81, N * K, -5f, 5f);
        logits[3] = 80f; // would overflow exp without the max shift
        int[] labels = [3, 6, 0];
        using Tensor tl = device.ToTensor(logits, N, K);
        using Tensor dl = device.RandomTensor(82, N, K);

        float loss = TensorOps.SoftmaxCrossEntropy(tl, labels, dl);

        double expectedLoss = LossReference.SoftmaxCrossEntropy(logits.ToDouble(), labels, N, K, out double[] expectedGrad);

        float.IsFinite(loss).Should().BeTrue();
        ((double)loss).Should().BeApproximately(expectedLoss, 1e-5 + (1e-5 * expectedLoss));
        TensorAssert.Close(dl.ToArray(), expectedGrad, what: "dlogits");

        // A second, larger batch regrows the cached label and loss buffers.
        const int N2 = 5;
        float[] logits2 = TestData.Uniform(83, N2 * K);
        using Tensor tl2 = device.ToTensor(logits2, N2, K);
        using Tensor dl2 = device.RandomTensor(84, N2, K);
        int[] labels2 = [0, 1, 2, 3, 4];
        float loss2 = TensorOps.SoftmaxCrossEntropy(tl2, labels2, dl2);
        double expected2 = LossReference.SoftmaxCrossEntropy(logits2.ToDouble(), labels2, N2, K, out _);

        ((double)loss2).Should().BeApproximately(expected2, 1e-5);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void SgdStep_TwoSteps_MatchesPyTorchFormula(bool nesterov)
    {
        ComputeDevice device = fixture.Require();
        const int Count = 19;
        const float Lr = 0.1f, Momentum = 0.9f, Wd = 0.01f;
        float[] w = TestData.Uniform(91, Count);
        float[] g = TestData.Uniform(92, Count);
        using Tensor tw = device.ToTensor(w, Count);
        using Tensor tg = device.ToTensor(g, Count);
        using Tensor v = device.ToTensor(new float[Count], Count);

        double[] ew = w.ToDouble();
        double[] ev = new double[Count];
        for (int step = 0; step < 2; step++)
        {
            TensorOps.SgdStep(tw, tg, v, Lr, Momentum, Wd, nesterov);
            OptimizerReference.SgdStep(ew, g.ToDouble(), ev, Lr, Momentum, Wd, nesterov);
        }

        TensorAssert.Close(tw.ToArray(), ew, what: "sgd w");
        TensorAssert.Close(v.ToArray(), ev, what: "sgd velocity");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamStep_TwoSteps_MatchesPyTorchFormula(bool decoupled)
    {
        ComputeDevice device = fixture.Require();
        const int Count = 19;
        const float Lr = 0.01f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-8f, Wd = 0.05f;
        float[] w = TestData.Uniform(93, Count);
        float[] g = TestData.Uniform(94, Count);
        using Tensor tw = device.ToTensor(w, Count);
        using Tensor tg = device.ToTensor(g, Count);
        using Tensor m = device.ToTensor(new float[Count], Count);
        using Tensor v = device.ToTensor(new float[Count], Count);

        double[] ew = w.ToDouble();
        double[] em = new double[Count];
        double[] ev = new double[Count];
        for (int step = 1; step <= 2; step++)
        {
            TensorOps.AdamStep(tw, tg, m, v, Lr, B1, B2, Eps, Wd, decoupled, step);
            OptimizerReference.AdamStep(ew, g.ToDouble(), em, ev, Lr, B1, B2, Eps, Wd, decoupled, step);
        }

        TensorAssert.Close(tw.ToArray(), ew, what: "adam w");
        TensorAssert.Close(m.ToArray(), em, what: "adam m");
        TensorAssert.Close(v.ToArray(), ev, atol: 1e-7, what: "adam v");
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuLinearLossOptimizerTests(IlgpuCpuFixture fixture) : IlgpuLinearLossOptimizerTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaLinearLossOptimizerTests(CudaFixture fixture) : IlgpuLinearLossOptimizerTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLLinearLossOptimizerTests(OpenCLFixture fixture) : IlgpuLinearLossOptimizerTests(fixture);
