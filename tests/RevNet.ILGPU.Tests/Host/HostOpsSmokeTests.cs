using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Host;

/// <summary>
/// Direct checks of the Host backend's ops against small double loops written here, plus bit-determinism of the
/// parallel reductions. (The cross-backend reference suite lives in Kernels/ and Reference/.)
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HostOpsSmokeTests(HostFixture fixture)
{
    private readonly ComputeDevice _device = fixture.Require();

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    [InlineData(100_003)]
    public void Elementwise_RaggedLengths_MatchDoubleLoops(int length)
    {
        float[] a = TestData.Uniform(1, length);
        float[] b = TestData.Uniform(2, length);
        using Tensor ta = _device.ToTensor(a, length);
        using Tensor tb = _device.ToTensor(b, length);
        using Tensor ty = _device.ToTensor(new float[length], length);

        TensorOps.Add(ta, tb, ty);
        TensorAssert.Close(ty.ToArray(), Map(length, i => (double)a[i] + b[i]), what: "add");
        TensorOps.Subtract(ta, tb, ty);
        TensorAssert.Close(ty.ToArray(), Map(length, i => (double)a[i] - b[i]), what: "subtract");

        float[] y0 = ty.ToArray();
        TensorOps.Axpy(-0.75f, ta, ty);
        TensorAssert.Close(ty.ToArray(), Map(length, i => y0[i] - (0.75 * a[i])), what: "axpy");

        TensorOps.ReluForward(ta, ty);
        TensorAssert.Close(ty.ToArray(), Map(length, i => Math.Max(a[i], 0.0)), atol: 0, rtol: 0, what: "relu");
        float[] relu = ty.ToArray();
        TensorOps.ReluBackward(ty, tb, ty);
        TensorAssert.Close(ty.ToArray(), Map(length, i => relu[i] > 0 ? b[i] : 0.0), atol: 0, rtol: 0, what: "relu'");

        TensorOps.Add(ta, tb, ta); // y aliases a
        TensorAssert.Close(ta.ToArray(), Map(length, i => (double)a[i] + b[i]), what: "aliased add");
    }

    [Fact]
    public void CopyChannels_PadThenUnpad_MovesWholePlanes()
    {
        float[] x = TestData.Uniform(3, 2 * 3 * 4 * 5);
        using Tensor tx = _device.ToTensor(x, 2, 3, 4, 5);
        using Tensor ty = _device.ToTensor(new float[2 * 7 * 4 * 5], 2, 7, 4, 5);
        using Tensor back = _device.ToTensor(new float[x.Length], 2, 3, 4, 5);

        TensorOps.Fill(ty, 9f);
        TensorOps.PadChannels(tx, ty, 2);
        double[] expected = new double[ty.ElementCount];
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 7; c++)
            {
                for (int i = 0; i < 20; i++)
                {
                    expected[(((n * 7) + c) * 20) + i] = c is >= 2 and < 5 ? x[(((n * 3) + c - 2) * 20) + i] : 0.0;
                }
            }
        }

        TensorAssert.Close(ty.ToArray(), expected, atol: 0, rtol: 0, what: "pad");
        TensorOps.PadChannelsBackward(ty, back, 2);
        TensorAssert.BitIdentical(back.ToArray(), x, "unpad");
    }

    [Fact]
    public void AvgPool2x2_ForwardAndBackward_MatchLoops()
    {
        const int N = 2, C = 3, H = 6, W = 10;
        float[] x = TestData.Uniform(4, N * C * H * W);
        float[] dy = TestData.Uniform(5, N * C * (H / 2) * (W / 2));
        using Tensor tx = _device.ToTensor(x, N, C, H, W);
        using Tensor ty = _device.ToTensor(new float[dy.Length], N, C, H / 2, W / 2);
        using Tensor tdy = _device.ToTensor(dy, N, C, H / 2, W / 2);
        using Tensor tdx = _device.ToTensor(new float[x.Length], N, C, H, W);

        TensorOps.AvgPool2x2Forward(tx, ty);
        TensorOps.AvgPool2x2Backward(tdy, tdx);

        double[] y = new double[dy.Length];
        double[] dx = new double[x.Length];
        for (int p = 0; p < N * C; p++)
        {
            for (int h = 0; h < H; h++)
            {
                for (int w = 0; w < W; w++)
                {
                    int o = (p * (H / 2) * (W / 2)) + ((h / 2) * (W / 2)) + (w / 2);
                    y[o] += 0.25 * x[(p * H * W) + (h * W) + w];
                    dx[(p * H * W) + (h * W) + w] = 0.25 * dy[o];
                }
            }
        }

        TensorAssert.Close(ty.ToArray(), y, what: "avgpool");
        TensorAssert.Close(tdx.ToArray(), dx, what: "avgpool'");
    }

    [Fact]
    public void GlobalAvgPool_ForwardAndBackward_MatchLoops()
    {
        const int N = 3, C = 4, HW = 7 * 9;
        float[] x = TestData.Uniform(6, N * C * HW);
        float[] dy = TestData.Uniform(7, N * C);
        using Tensor tx = _device.ToTensor(x, N, C, 7, 9);
        using Tensor ty = _device.ToTensor(new float[N * C], N, C);
        using Tensor tdy = _device.ToTensor(dy, N, C);
        using Tensor tdx = _device.ToTensor(new float[x.Length], N, C, 7, 9);

        TensorOps.GlobalAvgPoolForward(tx, ty);
        TensorOps.GlobalAvgPoolBackward(tdy, tdx);

        TensorAssert.Close(
            ty.ToArray(), Map(N * C, p => Enumerable.Range(0, HW).Sum(i => (double)x[(p * HW) + i]) / HW));
        TensorAssert.Close(tdx.ToArray(), Map(x.Length, i => dy[i / HW] / (double)HW));
    }

    [Theory]
    [InlineData(3, 5, 7, 9)]
    [InlineData(4, 3, 16, 16)]
    [InlineData(5, 6, 1, 1)]
    public void BatchNorm_StatisticsApplyBackward_MatchDoubleFormulas(int n, int c, int h, int w)
    {
        const float Eps = 1e-5f;
        int plane = h * w;
        int count = n * c * plane;
        float[] x = TestData.Uniform(8, count, 2f, 5f); // offset mean: the variance must be centered
        float[] dy = TestData.Uniform(9, count);
        float[] gamma = TestData.Uniform(10, c, 0.5f, 1.5f);
        float[] beta = TestData.Uniform(11, c);
        float[] dgamma0 = TestData.Uniform(12, c);
        float[] dbeta0 = TestData.Uniform(13, c);
        using Tensor tx = _device.ToTensor(x, n, c, h, w);
        using Tensor tdy = _device.ToTensor(dy, n, c, h, w);
        using Tensor tmean = _device.ToTensor(new float[c], c);
        using Tensor tinv = _device.ToTensor(new float[c], c);
        using Tensor tgamma = _device.ToTensor(gamma, c);
        using Tensor tbeta = _device.ToTensor(beta, c);
        using Tensor ty = _device.ToTensor(new float[count], n, c, h, w);
        using Tensor tdx = _device.ToTensor(new float[count], n, c, h, w);
        using Tensor tdgamma = _device.ToTensor(dgamma0, c);
        using Tensor tdbeta = _device.ToTensor(dbeta0, c);

        TensorOps.BatchNormStatistics(tx, tmean, tinv, Eps);
        TensorOps.BatchNormApply(tx, tmean, tinv, tgamma, tbeta, ty, relu: false);
        float[] yPlain = ty.ToArray();
        TensorOps.BatchNormApply(tx, tmean, tinv, tgamma, tbeta, ty, relu: true);
        float[] yRelu = ty.ToArray();
        TensorOps.BatchNormBackward(tx, tdy, tmean, tinv, tgamma, tdx, tdgamma, tdbeta);

        int m = n * plane;
        int Index(int b, int ch, int i) => (((b * c) + ch) * plane) + i;
        double[] mean = new double[c];
        double[] inv = new double[c];
        double[] y = new double[count];
        double[] dx = new double[count];
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            double sq = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < plane; i++)
                {
                    sum += x[Index(b, ch, i)];
                }
            }

            mean[ch] = sum / m;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < plane; i++)
                {
                    double d = x[Index(b, ch, i)] - mean[ch];
                    sq += d * d;
                }
            }

            inv[ch] = 1.0 / Math.Sqrt((sq / m) + Eps);
            double sdy = 0;
            double sdyx = 0;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < plane; i++)
                {
                    int k = Index(b, ch, i);
                    double xhat = (x[k] - mean[ch]) * inv[ch];
                    y[k] = (gamma[ch] * xhat) + beta[ch];
                    sdy += dy[k];
                    sdyx += dy[k] * xhat;
                }
            }

            dgamma[ch] = dgamma0[ch] + sdyx;
            dbeta[ch] = dbeta0[ch] + sdy;
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < plane; i++)
                {
                    int k = Index(b, ch, i);
                    double xhat = (x[k] - mean[ch]) * inv[ch];
                    dx[k] = gamma[ch] * inv[ch] * (dy[k] - (sdy / m) - (xhat * sdyx / m));
                }
            }
        }

        TensorAssert.Close(tmean.ToArray(), mean, what: "mean");
        TensorAssert.Close(tinv.ToArray(), inv, what: "invStd");
        TensorAssert.Close(yPlain, y, what: "bn y");
        TensorAssert.Close(yRelu, Map(count, i => Math.Max(y[i], 0)), what: "bn relu y");
        TensorAssert.Close(tdx.ToArray(), dx, atol: 1e-4, what: "bn dx");
        TensorAssert.Close(tdgamma.ToArray(), dgamma, atol: 1e-4, what: "dgamma (accumulated)");
        TensorAssert.Close(tdbeta.ToArray(), dbeta, atol: 1e-4, what: "dbeta (accumulated)");
    }

    [Fact]
    public void BatchNormRunning_UpdateAndInvStd_MatchPyTorchConvention()
    {
        const float Eps = 1e-5f, Momentum = 0.1f;
        const long Count = 50;
        float[] mean = [0.5f, -1f, 2f];
        float[] inv = [1f, 2f, 0.25f];
        float[] rm = [0f, 1f, -1f];
        float[] rv = [1f, 0.5f, 3f];
        using Tensor tmean = _device.ToTensor(mean, 3);
        using Tensor tinv = _device.ToTensor(inv, 3);
        using Tensor trm = _device.ToTensor(rm, 3);
        using Tensor trv = _device.ToTensor(rv, 3);
        using Tensor tout = _device.ToTensor(new float[3], 3);

        TensorOps.BatchNormUpdateRunning(tmean, tinv, trm, trv, Momentum, Eps, Count);
        TensorOps.BatchNormInvStd(trv, Eps, tout);

        double[] erm = Map(3, i => (0.9 * rm[i]) + (0.1 * mean[i]));
        double[] erv = Map(
            3, i => (0.9 * rv[i]) + (0.1 * ((1.0 / (inv[i] * (double)inv[i])) - Eps) * Count / (Count - 1)));
        TensorAssert.Close(trm.ToArray(), erm, what: "running mean");
        TensorAssert.Close(trv.ToArray(), erv, what: "running var");
        TensorAssert.Close(tout.ToArray(), Map(3, i => 1.0 / Math.Sqrt(erv[i] + Eps)), what: "eval invStd");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_ForwardBackward_MatchLoops(bool withDx)
    {
        const int N = 5, In = 7, Out = 3;
        float[] x = TestData.Uniform(14, N * In);
        float[] w = TestData.Uniform(15, Out * In);
        float[] b = TestData.Uniform(16, Out);
        float[] dy = TestData.Uniform(17, N * Out);
        float[] dw0 = TestData.Uniform(18, Out * In);
        float[] db0 = TestData.Uniform(19, Out);
        using Tensor tx = _device.ToTensor(x, N, In, 1, 1);
        using Tensor tw = _device.ToTensor(w, Out, In);
        using Tensor tb = _device.ToTensor(b, Out);
        using Tensor ty = _device.ToTensor(new float[N * Out], N, Out);
        using Tensor tdy = _device.ToTensor(dy, N, Out);
        using Tensor tdx = _device.ToTensor(new float[N * In], N, In, 1, 1);
        using Tensor tdw = _device.ToTensor(dw0, Out, In);
        using Tensor tdb = _device.ToTensor(db0, Out);

        TensorOps.LinearForward(tx, tw, tb, ty);
        TensorOps.LinearBackward(tx, tw, tdy, withDx ? tdx : null, tdw, tdb);

        double[] y = LinearReference.Forward(x.ToDouble(), w.ToDouble(), b.ToDouble(), N, In, Out);
        double[] dw = dw0.ToDouble();
        double[] db = db0.ToDouble();
        double[] dx = LinearReference.Backward(x.ToDouble(), w.ToDouble(), dy.ToDouble(), N, In, Out, dw, db);
        TensorAssert.Close(ty.ToArray(), y, what: "y");
        TensorAssert.Close(tdw.ToArray(), dw, what: "dw");
        TensorAssert.Close(tdb.ToArray(), db, what: "db");
        if (withDx)
        {
            TensorAssert.Close(tdx.ToArray(), dx, what: "dx");
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1000f)]
    public void SoftmaxCrossEntropy_LossAndGradient_MatchDouble(float offset)
    {
        const int N = 4, K = 10;
        float[] z = TestData.Uniform(20, N * K, -3f, 3f);
        for (int i = 0; i < z.Length; i++)
        {
            z[i] += offset; // a large shift must not overflow exp
        }

        int[] labels = [3, 0, 9, 3];
        using Tensor tz = _device.ToTensor(z, N, K);
        using Tensor tdz = _device.ToTensor(new float[N * K], N, K);

        float loss = TensorOps.SoftmaxCrossEntropy(tz, labels, tdz);

        double expectedLoss = LossReference.SoftmaxCrossEntropy(z.ToDouble(), labels, N, K, out double[] dz);

        loss.Should().BeApproximately((float)expectedLoss, 1e-4f);
        TensorAssert.Close(tdz.ToArray(), dz, what: "dlogits");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SgdStep_ThreeSteps_MatchPyTorchFormula(bool nesterov)
    {
        const int Length = 37;
        const float Lr = 0.1f, Mu = 0.9f, Wd = 0.01f;
        float[] w = TestData.Uniform(21, Length);
        using Tensor tw = _device.ToTensor(w, Length);
        using Tensor tv = _device.ToTensor(new float[Length], Length);
        double[] ew = w.ToDouble();
        double[] ev = new double[Length];
        for (int step = 0; step < 3; step++)
        {
            float[] g = TestData.Uniform(22 + step, Length);
            using Tensor tg = _device.ToTensor(g, Length);
            TensorOps.SgdStep(tw, tg, tv, Lr, Mu, Wd, nesterov);
            OptimizerReference.SgdStep(ew, g.ToDouble(), ev, Lr, Mu, Wd, nesterov);
        }

        TensorAssert.Close(tw.ToArray(), ew, what: "w");
        TensorAssert.Close(tv.ToArray(), ev, what: "velocity");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamStep_ThreeSteps_MatchPyTorchFormula(bool decoupled)
    {
        const int Length = 37;
        const float Lr = 0.01f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-8f, Wd = 0.1f;
        float[] w = TestData.Uniform(31, Length);
        using Tensor tw = _device.ToTensor(w, Length);
        using Tensor tm = _device.ToTensor(new float[Length], Length);
        using Tensor tv = _device.ToTensor(new float[Length], Length);
        double[] ew = w.ToDouble();
        double[] em = new double[Length];
        double[] ev = new double[Length];
        for (int step = 1; step <= 3; step++)
        {
            float[] g = TestData.Uniform(32 + step, Length);
            using Tensor tg = _device.ToTensor(g, Length);
            TensorOps.AdamStep(tw, tg, tm, tv, Lr, B1, B2, Eps, Wd, decoupled, step);
            OptimizerReference.AdamStep(ew, g.ToDouble(), em, ev, Lr, B1, B2, Eps, Wd, decoupled, step);
        }

        TensorAssert.Close(tw.ToArray(), ew, what: "w");
        TensorAssert.Close(tm.ToArray(), em, what: "m");
        TensorAssert.Close(tv.ToArray(), ev, what: "v");
    }

    [Fact]
    public void Conv2d_StridedPadded_MatchesLoops()
    {
        Conv2dGeometry g = Conv2dGeometry.Create(2, 3, 5, 6, 4, 3, 2, 1);
        float[] x = TestData.Uniform(40, g.N * g.C * g.H * g.W);
        float[] w = TestData.Uniform(41, g.K * g.C * g.R * g.S);
        float[] dy = TestData.Uniform(42, g.N * g.K * g.P * g.Q);
        float[] dw0 = TestData.Uniform(43, w.Length);
        using Tensor tx = _device.ToTensor(x, g.N, g.C, g.H, g.W);
        using Tensor tw = _device.ToTensor(w, g.K, g.C, g.R, g.S);
        using Tensor ty = _device.ToTensor(new float[dy.Length], g.N, g.K, g.P, g.Q);
        using Tensor tdy = _device.ToTensor(dy, g.N, g.K, g.P, g.Q);
        using Tensor tdx = _device.ToTensor(new float[x.Length], g.N, g.C, g.H, g.W);
        using Tensor tdw = _device.ToTensor(dw0, g.K, g.C, g.R, g.S);

        TensorOps.Conv2dForward(tx, tw, ty, g);
        TensorOps.Conv2dBackwardInput(tdy, tw, tdx, g);
        TensorOps.Conv2dBackwardWeight(tx, tdy, tdw, g);

        double[] y = Conv2dReference.Forward(x.ToDouble(), w.ToDouble(), g);
        double[] dx = Conv2dReference.BackwardInput(dy.ToDouble(), w.ToDouble(), g);
        double[] dw = dw0.ToDouble();
        Conv2dReference.BackwardWeight(x.ToDouble(), dy.ToDouble(), dw, g);

        TensorAssert.Close(ty.ToArray(), y, what: "conv y");
        TensorAssert.Close(tdx.ToArray(), dx, what: "conv dx");
        TensorAssert.Close(tdw.ToArray(), dw, what: "conv dw");
    }

    [Fact]
    public void BatchNorm_LargeTensorTwice_BitIdentical()
    {
        // Big enough to run on several threads: the reductions must not depend on the partitioning.
        const int N = 16, C = 24, H = 32, W = 32;
        int count = N * C * H * W;
        float[] xs = TestData.Uniform(50, count, -1f, 3f);
        (float[] Mean, float[] Inv, float[] Dx, float[] Dgamma, float[] Dbeta) Run()
        {
            using Tensor x = _device.ToTensor(xs, N, C, H, W);
            using Tensor dy = _device.ToTensor(TestData.Uniform(51, count), N, C, H, W);
            using Tensor gamma = _device.ToTensor(TestData.Uniform(52, C, 0.5f, 1.5f), C);
            using Tensor mean = _device.ToTensor(new float[C], C);
            using Tensor inv = _device.ToTensor(new float[C], C);
            using Tensor dx = _device.ToTensor(new float[count], N, C, H, W);
            using Tensor dgamma = _device.ToTensor(new float[C], C);
            using Tensor dbeta = _device.ToTensor(new float[C], C);
            TensorOps.BatchNormStatistics(x, mean, inv, 1e-5f);
            TensorOps.BatchNormBackward(x, dy, mean, inv, gamma, dx, dgamma, dbeta);
            return (mean.ToArray(), inv.ToArray(), dx.ToArray(), dgamma.ToArray(), dbeta.ToArray());
        }

        var first = Run();
        var second = Run();

        TensorAssert.BitIdentical(first.Mean, second.Mean, "mean");
        TensorAssert.BitIdentical(first.Inv, second.Inv, "invStd");
        TensorAssert.BitIdentical(first.Dx, second.Dx, "dx");
        TensorAssert.BitIdentical(first.Dgamma, second.Dgamma, "dgamma");
        TensorAssert.BitIdentical(first.Dbeta, second.Dbeta, "dbeta");
        first.Dgamma.Should().Contain(v => v != 0f, "the gradient must not be trivially zero");

        // The parallel path is also accurate: channel means against a double loop.
        double[] mean = new double[C];
        for (int i = 0; i < count; i++)
        {
            mean[i / (H * W) % C] += xs[i] / (double)(N * H * W);
        }

        TensorAssert.Close(first.Mean, mean, what: "mean (parallel path)");
    }

    private static double[] Map(int length, Func<int, double> f)
    {
        double[] r = new double[length];
        for (int i = 0; i < length; i++)
        {
            r[i] = f(i);
        }

        return r;
    }
}
