using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
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

        double[] expectedY = new double[N * Out];
        double[] expectedDx = new double[N * In];
        double[] expectedDw = dw0.ToDouble();
        double[] expectedDb = db0.ToDouble();
        for (int n = 0; n < N; n++)
        {
            for (int o = 0; o < Out; o++)
            {
                double sum = b[o];
                for (int i = 0; i < In; i++)
                {
                    sum += (double)x[(n * In) + i] * w[(o * In) + i];
                    expectedDx[(n * In) + i] += (double)dy[(n * Out) + o] * w[(o * In) + i];
                    expectedDw[(o * In) + i] += (double)dy[(n * Out) + o] * x[(n * In) + i];
                }

                expectedY[(n * Out) + o] = sum;
                expectedDb[o] += dy[(n * Out) + o];
            }
        }

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

        double total = 0;
        double[] expectedGrad = new double[N * K];
        for (int n = 0; n < N; n++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < K; j++)
            {
                max = Math.Max(max, logits[(n * K) + j]);
            }

            double sum = 0;
            for (int j = 0; j < K; j++)
            {
                sum += Math.Exp(logits[(n * K) + j] - max);
            }

            total += Math.Log(sum) + max - logits[(n * K) + labels[n]];
            for (int j = 0; j < K; j++)
            {
                double p = Math.Exp(logits[(n * K) + j] - max) / sum;
                expectedGrad[(n * K) + j] = (p - (j == labels[n] ? 1 : 0)) / N;
            }
        }

        float.IsFinite(loss).Should().BeTrue();
        ((double)loss).Should().BeApproximately(total / N, 1e-5 + (1e-5 * total / N));
        TensorAssert.Close(dl.ToArray(), expectedGrad, what: "dlogits");

        // A second, larger batch regrows the cached label and loss buffers.
        const int N2 = 5;
        float[] logits2 = TestData.Uniform(83, N2 * K);
        using Tensor tl2 = device.ToTensor(logits2, N2, K);
        using Tensor dl2 = device.RandomTensor(84, N2, K);
        float loss2 = TensorOps.SoftmaxCrossEntropy(tl2, [0, 1, 2, 3, 4], dl2);
        double expected2 = 0;
        for (int n = 0; n < N2; n++)
        {
            double sum = 0;
            for (int j = 0; j < K; j++)
            {
                sum += Math.Exp(logits2[(n * K) + j]);
            }

            expected2 += Math.Log(sum) - logits2[(n * K) + n];
        }

        ((double)loss2).Should().BeApproximately(expected2 / N2, 1e-5);
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
            for (int i = 0; i < Count; i++)
            {
                double gi = g[i] + (Wd * ew[i]);
                ev[i] = (Momentum * ev[i]) + gi;
                ew[i] -= Lr * (nesterov ? gi + (Momentum * ev[i]) : ev[i]);
            }
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
            for (int i = 0; i < Count; i++)
            {
                double gi = decoupled ? g[i] : g[i] + (Wd * ew[i]);
                em[i] = (B1 * em[i]) + ((1 - B1) * gi);
                ev[i] = (B2 * ev[i]) + ((1 - B2) * gi * gi);
                double mhat = em[i] / (1 - Math.Pow(B1, step));
                double vhat = ev[i] / (1 - Math.Pow(B2, step));
                ew[i] -= (Lr * mhat / (Math.Sqrt(vhat) + Eps)) + (decoupled ? Lr * Wd * ew[i] : 0);
            }
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
