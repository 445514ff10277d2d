using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// Batch-norm statistics, apply (ReLU on/off), running-statistics update, eval-mode invStd and the training-mode
/// backward (dx overwritten, dgamma/dbeta accumulate) against the double reference.
/// </summary>
public abstract class BatchNormOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    private const float Eps = 1e-5f;

    [SkippableTheory]
    [InlineData(1, 3, 1, 2)]
    [InlineData(2, 3, 5, 7)]
    [InlineData(4, 1, 3, 3)]
    [InlineData(1, 5, 2, 3)]
    public void BatchNormStatistics_TinyShape_MatchesReference(int n, int c, int h, int w) =>
        CheckStatistics(n, c, h, w, offset: 0f);

    [SkippableFact]
    public void BatchNormStatistics_LargeMeanOffset_UsesCenteredVariance()
    {
        // With every x ≈ 1000 a one-pass E[x²] − E[x]² in float loses the variance (≈1/3) entirely; the contract's
        // mean-first, centered-sum-of-squares order keeps it to about 1e-6 relative.
        CheckStatistics(2, 3, 5, 7, offset: 1000f);
    }

    [SkippableTheory]
    [InlineData(8, 16, 16, 16)]
    [InlineData(3, 33, 7, 9)]
    [InlineData(32, 3, 28, 28)]
    public void BatchNormAll_LargeShape_MatchesReference(int n, int c, int h, int w)
    {
        SkipOnSimulatorAbove((long)n * c * h * w);
        CheckStatistics(n, c, h, w, offset: 0.5f);
        CheckApply(n, c, h, w, relu: true);
        CheckBackward(n, c, h, w);
    }

    [SkippableTheory]
    [InlineData(1, 3, 1, 2, false)]
    [InlineData(2, 3, 5, 7, false)]
    [InlineData(2, 3, 5, 7, true)]
    [InlineData(4, 1, 3, 3, true)]
    public void BatchNormApply_ReluOnOff_MatchesReference(int n, int c, int h, int w, bool relu) =>
        CheckApply(n, c, h, w, relu);

    [SkippableTheory]
    [InlineData(1, 3, 1, 2)]
    [InlineData(2, 3, 5, 7)]
    [InlineData(4, 1, 3, 3)]
    [InlineData(1, 5, 2, 3)]
    public void BatchNormBackward_TinyShape_OverwritesDxAccumulatesDgammaDbeta(int n, int c, int h, int w) =>
        CheckBackward(n, c, h, w);

    [SkippableTheory]
    [InlineData(1, 0.1f, 2L)]
    [InlineData(5, 0.1f, 70L)]
    [InlineData(17, 1f, 9L)]
    [InlineData(3, 0f, 100L)]
    public void BatchNormUpdateRunning_Momentum_MatchesReference(int c, float momentum, long count)
    {
        ComputeDevice device = Require();
        float[] mean = Random(60, c, -2f, 2f);
        float[] invStd = Random(61, c, 0.5f, 3f);
        float[] runningMean = Random(62, c);
        float[] runningVar = Random(63, c, 0.5f, 2f);
        using Tensor tm = Upload(device, mean, c);
        using Tensor ti = Upload(device, invStd, c);
        using Tensor trm = Upload(device, runningMean, c);
        using Tensor trv = Upload(device, runningVar, c);

        TensorOps.BatchNormUpdateRunning(tm, ti, trm, trv, momentum, Eps, count);

        double[] expectedMean = D(runningMean);
        double[] expectedVar = D(runningVar);
        BatchNormReference.UpdateRunning(D(mean), D(invStd), expectedMean, expectedVar, momentum, Eps, count);
        TensorAssert.Close(trm.ToArray(), expectedMean, Atol, Rtol, "running mean");
        TensorAssert.Close(trv.ToArray(), expectedVar, Atol, Rtol, "running var (unbiased)");
        TensorAssert.BitIdentical(tm.ToArray(), mean, "the batch mean is read only");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    public void BatchNormInvStd_RunningVar_MatchesReference(int c)
    {
        ComputeDevice device = Require();
        float[] runningVar = Random(64, c, 0f, 4f);
        runningVar[0] = 0f;
        using Tensor trv = Upload(device, runningVar, c);
        using Tensor inv = Poisoned(device, c);
        TensorOps.BatchNormInvStd(trv, 1e-3f, inv);
        TensorAssert.Close(inv.ToArray(), BatchNormReference.InvStd(D(runningVar), 1e-3f), Atol, Rtol, "eval invStd");
    }

    [SkippableFact]
    public void BatchNorm_Rank2Input_TreatsItAsOnePixelPerChannel()
    {
        // The facade accepts x [N, C] (rank ≥ 2); BatchNorm1d on a linear layer's output is exactly that.
        ComputeDevice device = Require();
        const int N = 6;
        const int C = 5;
        float[] x = Random(65, N * C, -1f, 2f);
        float[] dy = Random(66, N * C);
        float[] gamma = Random(67, C, 0.5f, 1.5f);
        float[] beta = Random(68, C, -0.5f, 0.5f);
        using Tensor tx = Upload(device, x, N, C);
        using Tensor tdy = Upload(device, dy, N, C);
        using Tensor tg = Upload(device, gamma, C);
        using Tensor tb = Upload(device, beta, C);
        using Tensor mean = Poisoned(device, C);
        using Tensor inv = Poisoned(device, C);
        using Tensor y = Poisoned(device, N, C);
        using Tensor dx = Poisoned(device, N, C);
        using Tensor dgamma = Upload(device, new float[C], C);
        using Tensor dbeta = Upload(device, new float[C], C);

        TensorOps.BatchNormStatistics(tx, mean, inv, Eps);
        TensorOps.BatchNormApply(tx, mean, inv, tg, tb, y, relu: false);
        TensorOps.BatchNormBackward(tx, tdy, mean, inv, tg, dx, dgamma, dbeta);

        (double[] rm, double[] ri) = BatchNormReference.Statistics(D(x), N, C, 1, Eps);
        TensorAssert.Close(mean.ToArray(), rm, Atol, Rtol, "mean");
        TensorAssert.Close(inv.ToArray(), ri, Atol, Rtol, "invStd");
        double[] ry = BatchNormReference.Apply(D(x), rm, ri, D(gamma), D(beta), N, C, 1, false);
        TensorAssert.Close(y.ToArray(), ry, Atol, Rtol, "y");
        double[] rdg = new double[C];
        double[] rdb = new double[C];
        double[] rdx = BatchNormReference.Backward(D(x), D(dy), rm, ri, D(gamma), N, C, 1, rdg, rdb);
        TensorAssert.Close(dx.ToArray(), rdx, Atol, Rtol, "dx");
        TensorAssert.Close(dgamma.ToArray(), rdg, Atol, Rtol, "dgamma");
        TensorAssert.Close(dbeta.ToArray(), rdb, Atol, Rtol, "dbeta");
    }

    [SkippableFact]
    public void BatchNormBackward_FloatFiniteDifferencesOnTheDevice_Agree()
    {
        // Statistics + apply on the device as the forward (so dx includes the paths through mean and invStd).
        ComputeDevice device = Require();
        const int N = 3;
        const int C = 2;
        const int H = 3;
        const int W = 4;
        float[] x = Random(83, N * C * H * W, -2f, 3f);
        float[] gamma = Random(84, C, 0.5f, 1.5f);
        float[] beta = Random(85, C, -0.5f, 0.5f);
        float[] r = Random(86, x.Length);
        using Tensor tx = Upload(device, x, N, C, H, W);
        using Tensor tg = Upload(device, gamma, C);
        using Tensor tb = Upload(device, beta, C);
        using Tensor tr = Upload(device, r, N, C, H, W);
        using Tensor mean = Poisoned(device, C);
        using Tensor inv = Poisoned(device, C);
        using Tensor y = Poisoned(device, N, C, H, W);
        using Tensor dx = Poisoned(device, N, C, H, W);
        using Tensor dgamma = Upload(device, new float[C], C);
        using Tensor dbeta = Upload(device, new float[C], C);
        TensorOps.BatchNormStatistics(tx, mean, inv, Eps);
        TensorOps.BatchNormBackward(tx, tr, mean, inv, tg, dx, dgamma, dbeta);

        double Loss()
        {
            TensorOps.BatchNormStatistics(tx, mean, inv, Eps);
            TensorOps.BatchNormApply(tx, mean, inv, tg, tb, y, relu: false);
            return Dot(r, y.ToArray());
        }

        FiniteDifferenceSmoke(x, v => tx.CopyFrom(v), Loss, dx.ToArray(), 87, "bn dx");
        FiniteDifferenceSmoke(gamma, v => tg.CopyFrom(v), Loss, dgamma.ToArray(), 88, "bn dgamma");
    }

    [SkippableFact]
    public void BatchNormStatisticsAndBackward_RunTwice_GiveBitIdenticalResults()
    {
        ComputeDevice device = Require();
        (int n, int c, int h, int w) = IsSimulator ? (3, 2, 5, 7) : (16, 24, 12, 13);
        float[] x = Random(69, (long)n * c * h * w);
        float[] dy = Random(70, x.Length);
        float[] gamma = Random(71, c, 0.5f, 1.5f);
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor tdy = Upload(device, dy, n, c, h, w);
        using Tensor tg = Upload(device, gamma, c);
        using Tensor mean = Poisoned(device, c);
        using Tensor inv = Poisoned(device, c);
        using Tensor dx = Poisoned(device, n, c, h, w);
        using Tensor dgamma = Upload(device, new float[c], c);
        using Tensor dbeta = Upload(device, new float[c], c);

        float[][] Run()
        {
            TensorOps.Fill(dgamma, 0f);
            TensorOps.Fill(dbeta, 0f);
            TensorOps.BatchNormStatistics(tx, mean, inv, Eps);
            TensorOps.BatchNormBackward(tx, tdy, mean, inv, tg, dx, dgamma, dbeta);
            return [mean.ToArray(), inv.ToArray(), dx.ToArray(), dgamma.ToArray(), dbeta.ToArray()];
        }

        float[][] first = Run();
        float[][] second = Run();
        string[] names = ["mean", "invStd", "dx", "dgamma", "dbeta"];
        for (int i = 0; i < names.Length; i++)
        {
            TensorAssert.BitIdentical(second[i], first[i], names[i]);
        }
    }

    private void CheckStatistics(int n, int c, int h, int w, float offset)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        float[] x = Random(72, (long)n * c * hw, offset - 1f, offset + 1f);
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor mean = Poisoned(device, c);
        using Tensor inv = Poisoned(device, c);

        TensorOps.BatchNormStatistics(tx, mean, inv, Eps);

        (double[] rm, double[] ri) = BatchNormReference.Statistics(D(x), n, c, hw, Eps);
        TensorAssert.Close(mean.ToArray(), rm, Atol, Rtol, "batch mean");
        TensorAssert.Close(inv.ToArray(), ri, Atol, Rtol, "batch invStd (biased variance)");
    }

    private void CheckApply(int n, int c, int h, int w, bool relu)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        float[] x = Random(73, (long)n * c * hw, -2f, 3f);
        float[] mean = Random(74, c, -0.5f, 1f);
        float[] invStd = Random(75, c, 0.5f, 2f);
        float[] gamma = Random(76, c, -1.5f, 1.5f);
        float[] beta = Random(77, c, -0.5f, 0.5f);
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor tm = Upload(device, mean, c);
        using Tensor ti = Upload(device, invStd, c);
        using Tensor tg = Upload(device, gamma, c);
        using Tensor tb = Upload(device, beta, c);
        using Tensor y = Poisoned(device, n, c, h, w);

        TensorOps.BatchNormApply(tx, tm, ti, tg, tb, y, relu);

        double[] expected = BatchNormReference.Apply(D(x), D(mean), D(invStd), D(gamma), D(beta), n, c, hw, relu);
        TensorAssert.Close(y.ToArray(), expected, Atol, Rtol, relu ? "bn apply + relu" : "bn apply");
        if (relu)
        {
            y.ToArray().Should().OnlyContain(v => v >= 0f);
        }
    }

    private void CheckBackward(int n, int c, int h, int w)
    {
        ComputeDevice device = Require();
        int hw = h * w;
        long m = (long)n * hw;
        float[] x = Random(78, m * c, -2f, 3f);
        float[] dy = Random(79, x.Length);
        float[] gamma = Random(80, c, 0.5f, 1.5f);
        float[] dgamma0 = Random(81, c);
        float[] dbeta0 = Random(82, c);

        // The statistics handed to the device are the float-rounded reference ones; the reference backward uses
        // the very same values, so only the backward itself is compared.
        (double[] rm, double[] ri) = BatchNormReference.Statistics(D(x), n, c, hw, Eps);
        float[] mean = Array.ConvertAll(rm, v => (float)v);
        float[] invStd = Array.ConvertAll(ri, v => (float)v);
        using Tensor tx = Upload(device, x, n, c, h, w);
        using Tensor tdy = Upload(device, dy, n, c, h, w);
        using Tensor tm = Upload(device, mean, c);
        using Tensor ti = Upload(device, invStd, c);
        using Tensor tg = Upload(device, gamma, c);
        using Tensor dx = Poisoned(device, n, c, h, w);
        using Tensor dgamma = Upload(device, dgamma0, c);
        using Tensor dbeta = Upload(device, dbeta0, c);

        TensorOps.BatchNormBackward(tx, tdy, tm, ti, tg, dx, dgamma, dbeta);

        double[] rdg = D(dgamma0);
        double[] rdb = D(dbeta0);
        double[] rdx = BatchNormReference.Backward(D(x), D(dy), D(mean), D(invStd), D(gamma), n, c, hw, rdg, rdb);
        TensorAssert.Close(dx.ToArray(), rdx, Atol, Rtol, "bn dx (overwritten)");
        TensorAssert.Close(dgamma.ToArray(), rdg, ReductionAtol(m), Rtol, "bn dgamma (accumulated)");
        TensorAssert.Close(dbeta.ToArray(), rdb, ReductionAtol(m), Rtol, "bn dbeta (accumulated)");
    }
}
