using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
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

        (double[] mu, double[] inv) = BatchNormReference.Statistics(x.ToDouble(), n, c, plane, Eps);
        TensorAssert.Close(mean.ToArray(), mu, what: "mean");
        TensorAssert.Close(invStd.ToArray(), inv, what: "invStd");
        double[] expected = BatchNormReference.Apply(x.ToDouble(), mu, inv, gamma.ToDouble(), beta.ToDouble(), n, c, plane, relu);
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

        double[] expectedMean = rm.ToDouble();
        double[] expectedVar = rv.ToDouble();
        BatchNormReference.UpdateRunning(mean.ToDouble(), invStd.ToDouble(), expectedMean, expectedVar, Momentum, Eps, Count);

        TensorAssert.Close(trm.ToArray(), expectedMean, what: "running mean");
        TensorAssert.Close(trv.ToArray(), expectedVar, what: "running var");
        TensorAssert.Close(evalInv.ToArray(), BatchNormReference.InvStd(expectedVar, Eps), what: "eval invStd");
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
        double[] expectedDg = dg0.ToDouble();
        double[] expectedDb = db0.ToDouble();
        double[] expectedDx = BatchNormReference.Backward(
            x.ToDouble(), dy.ToDouble(), mean.ToArray().ToDouble(), invStd.ToArray().ToDouble(), gamma.ToDouble(),
            n, c, plane, expectedDg, expectedDb);

        TensorAssert.Close(dx.ToArray(), expectedDx, atol: 1e-4, what: "bn dx");
        TensorAssert.Close(dg.ToArray(), expectedDg, atol: 1e-4, what: "dgamma");
        TensorAssert.Close(db.ToArray(), expectedDb, what: "dbeta");
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuBatchNormTests(IlgpuCpuFixture fixture) : IlgpuBatchNormTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaBatchNormTests(CudaFixture fixture) : IlgpuBatchNormTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLBatchNormTests(OpenCLFixture fixture) : IlgpuBatchNormTests(fixture);
