using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>The ILGPU batch-norm kernels against double loops.</summary>
public abstract class IlgpuBatchNormTests(DeviceFixture fixture)
{
    private const float Eps = 1e-5f;

    [SkippableTheory]
    [InlineData(2, 5, 5, 7, false)]
    [InlineData(1, 3, 5, 7, true)]
    [InlineData(3, 5, 1, 1, true)]
    public void BatchNorm_StatisticsApply_MatchReference(int n, int c, int h, int w, bool relu)
    {
        ComputeDevice device = fixture.Require();
        int plane = h * w;
        float[] x = TestData.Uniform(41, n * c * plane, -2f, 3f);
        float[] gamma = TestData.Uniform(42, c, 0.5f, 1.5f);
        float[] beta = TestData.Uniform(43, c);
        using Tensor tx = device.ToTensor(x, n, c, h, w);
        using Tensor mean = device.RandomTensor(44, c);
        using Tensor invStd = device.RandomTensor(45, c);
        using Tensor tg = device.ToTensor(gamma, c);
        using Tensor tb = device.ToTensor(beta, c);
        using Tensor y = device.RandomTensor(46, n, c, h, w);

        TensorOps.BatchNormStatistics(tx, mean, invStd, Eps);
        TensorOps.BatchNormApply(tx, mean, invStd, tg, tb, y, relu);

        (double[] mu, double[] variance) = IlgpuReference.Moments(x, n, c, plane);
        double[] inv = variance.Select(v => 1.0 / Math.Sqrt(v + Eps)).ToArray();
        TensorAssert.Close(mean.ToArray(), mu, what: "mean");
        TensorAssert.Close(invStd.ToArray(), inv, what: "invStd");
        double[] expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = (i / plane) % c;
            double v = (gamma[ch] * (x[i] - mu[ch]) * inv[ch]) + beta[ch];
            expected[i] = relu ? Math.Max(v, 0) : v;
        }

        TensorAssert.Close(y.ToArray(), expected, what: "bn apply");
    }

    [SkippableFact]
    public void BatchNorm_RunningStatisticsAndEvalInvStd_MatchReference()
    {
        ComputeDevice device = fixture.Require();
        const int C = 5;
        const long Count = 70;
        const float Momentum = 0.1f;
        float[] mean = TestData.Uniform(51, C);
        float[] invStd = TestData.Uniform(52, C, 0.5f, 2f);
        float[] rm = TestData.Uniform(53, C);
        float[] rv = TestData.Uniform(54, C, 0.5f, 2f);
        using Tensor tm = device.ToTensor(mean, C);
        using Tensor ts = device.ToTensor(invStd, C);
        using Tensor trm = device.ToTensor(rm, C);
        using Tensor trv = device.ToTensor(rv, C);
        using Tensor evalInv = device.RandomTensor(55, C);

        TensorOps.BatchNormUpdateRunning(tm, ts, trm, trv, Momentum, Eps, Count);
        TensorOps.BatchNormInvStd(trv, Eps, evalInv);

        double[] expectedMean = new double[C];
        double[] expectedVar = new double[C];
        for (int c = 0; c < C; c++)
        {
            double batchVar = ((1.0 / ((double)invStd[c] * invStd[c])) - Eps) * Count / (Count - 1);
            expectedMean[c] = ((1 - Momentum) * (double)rm[c]) + (Momentum * (double)mean[c]);
            expectedVar[c] = ((1 - Momentum) * (double)rv[c]) + (Momentum * batchVar);
        }

        TensorAssert.Close(trm.ToArray(), expectedMean, what: "running mean");
        TensorAssert.Close(trv.ToArray(), expectedVar, what: "running var");
        double[] expectedInv = expectedVar.Select(v => 1.0 / Math.Sqrt(v + Eps)).ToArray();
        TensorAssert.Close(evalInv.ToArray(), expectedInv, what: "eval invStd");
    }

    [SkippableTheory]
    [InlineData(2, 5, 5, 7)]
    [InlineData(3, 5, 1, 1)]
    public void BatchNorm_Backward_MatchesReference(int n, int c, int h, int w)
    {
        ComputeDevice device = fixture.Require();
        int plane = h * w;
        float[] x = TestData.Uniform(61, n * c * plane, -2f, 3f);
        float[] dy = TestData.Uniform(62, x.Length);
        float[] gamma = TestData.Uniform(63, c, 0.5f, 1.5f);
        float[] dg0 = TestData.Uniform(64, c);
        float[] db0 = TestData.Uniform(65, c);
        using Tensor tx = device.ToTensor(x, n, c, h, w);
        using Tensor tdy = device.ToTensor(dy, n, c, h, w);
        using Tensor mean = device.RandomTensor(66, c);
        using Tensor invStd = device.RandomTensor(67, c);
        using Tensor tg = device.ToTensor(gamma, c);
        using Tensor dx = device.RandomTensor(68, n, c, h, w);
        using Tensor dg = device.ToTensor(dg0, c);
        using Tensor db = device.ToTensor(db0, c);

        TensorOps.BatchNormStatistics(tx, mean, invStd, Eps);
        TensorOps.BatchNormBackward(tx, tdy, mean, invStd, tg, dx, dg, db);

        // Reference from the device's own statistics (checked separately), so only the backward is under test.
        float[] mu = mean.ToArray();
        float[] inv = invStd.ToArray();
        double m = (double)n * plane;
        double[] sumDy = new double[c];
        double[] sumDyXhat = new double[c];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = (i / plane) % c;
            sumDy[ch] += dy[i];
            sumDyXhat[ch] += dy[i] * ((double)x[i] - mu[ch]) * inv[ch];
        }

        double[] expectedDx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = (i / plane) % c;
            double xhat = ((double)x[i] - mu[ch]) * inv[ch];
            expectedDx[i] = gamma[ch] * inv[ch] * (dy[i] - (sumDy[ch] / m) - (xhat * sumDyXhat[ch] / m));
        }

        TensorAssert.Close(dx.ToArray(), expectedDx, atol: 1e-4, what: "bn dx");
        TensorAssert.Close(dg.ToArray(), sumDyXhat.Select((v, i) => v + dg0[i]).ToArray(), atol: 1e-4, what: "dgamma");
        TensorAssert.Close(db.ToArray(), sumDy.Select((v, i) => v + db0[i]).ToArray(), what: "dbeta");
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuBatchNormTests(IlgpuCpuFixture fixture) : IlgpuBatchNormTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaBatchNormTests(CudaFixture fixture) : IlgpuBatchNormTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLBatchNormTests(OpenCLFixture fixture) : IlgpuBatchNormTests(fixture);
