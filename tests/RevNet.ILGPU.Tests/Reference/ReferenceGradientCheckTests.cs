using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Reference;

/// <summary>
/// Proves the maths of the double references: every reference backward equals central finite differences of the
/// reference forward (ε = 1e-6, rtol 1e-6) for L = Σ r ⊙ y with a random r. The device tests then only have to show
/// that each backend matches these references.
/// </summary>
public sealed class ReferenceGradientCheckTests
{
    // n, c, h, w, k, r, s, strideH, strideW, padH, padW
    public static IEnumerable<object[]> ConvCases =>
    [
        [2, 3, 5, 7, 4, 3, 3, 1, 1, 1, 1],
        [1, 2, 5, 6, 3, 3, 3, 2, 2, 1, 1],
        [2, 3, 4, 4, 2, 1, 1, 2, 2, 0, 0],
        [1, 2, 4, 5, 2, 3, 3, 1, 1, 0, 0],
        [1, 2, 5, 6, 3, 1, 3, 1, 2, 0, 1],
    ];

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2dBackward_MatchesFiniteDifferences(
        int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW)
    {
        var g = new Conv2dGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW);
        double[] x = GradientCheck.Random(1, n * c * h * w);
        double[] wt = GradientCheck.Random(2, k * c * r * s);
        double[] dy = GradientCheck.Random(3, n * k * g.P * g.Q);

        double[] dx = Conv2dReference.BackwardInput(dy, wt, g);
        double[] dw = new double[wt.Length];
        Conv2dReference.BackwardWeight(x, dy, dw, g);

        double[] Forward() => Conv2dReference.Forward(x, wt, g);
        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Forward, dy), "conv dx");
        GradientCheck.AssertClose(dw, GradientCheck.Numerical(wt, Forward, dy), "conv dw");
    }

    [Theory]
    [InlineData(2, 3, 5, 7)]
    [InlineData(1, 2, 1, 3)]
    [InlineData(4, 1, 2, 2)]
    public void BatchNormBackward_MatchesFiniteDifferences(int n, int c, int h, int w)
    {
        int hw = h * w;
        const double Eps = 1e-5;
        double[] x = GradientCheck.Random(4, n * c * hw, -2, 3);
        double[] gamma = GradientCheck.Random(5, c, 0.5, 1.5);
        double[] beta = GradientCheck.Random(6, c);
        double[] dy = GradientCheck.Random(7, x.Length);

        double[] Forward()
        {
            (double[] mean, double[] invStd) = BatchNormReference.Statistics(x, n, c, hw, Eps);
            return BatchNormReference.Apply(x, mean, invStd, gamma, beta, n, c, hw, relu: false);
        }

        (double[] mu, double[] inv) = BatchNormReference.Statistics(x, n, c, hw, Eps);
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        double[] dx = BatchNormReference.Backward(x, dy, mu, inv, gamma, n, c, hw, dgamma, dbeta);

        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Forward, dy), "bn dx");
        GradientCheck.AssertClose(dgamma, GradientCheck.Numerical(gamma, Forward, dy), "bn dgamma");
        GradientCheck.AssertClose(dbeta, GradientCheck.Numerical(beta, Forward, dy), "bn dbeta");
    }

    [Fact]
    public void BatchNormReluBackward_ReluThenBatchNorm_MatchesFiniteDifferences()
    {
        const int N = 3;
        const int C = 2;
        const int Hw = 6;
        const double Eps = 1e-5;
        double[] x = GradientCheck.Random(8, N * C * Hw);
        double[] gamma = GradientCheck.Random(9, C, 0.5, 1.5);
        double[] beta = GradientCheck.Random(10, C, -0.3, 0.3);
        double[] dy = GradientCheck.Random(11, x.Length);

        double[] Forward()
        {
            (double[] mean, double[] invStd) = BatchNormReference.Statistics(x, N, C, Hw, Eps);
            return BatchNormReference.Apply(x, mean, invStd, gamma, beta, N, C, Hw, relu: true);
        }

        (double[] mu, double[] inv) = BatchNormReference.Statistics(x, N, C, Hw, Eps);
        double[] pre = BatchNormReference.Apply(x, mu, inv, gamma, beta, N, C, Hw, relu: false);
        pre.Should().OnlyContain(v => Math.Abs(v) > 1e-3, "the check must stay away from ReLU's kink");
        double[] y = Forward();
        y.Should().Contain(v => v == 0, "some outputs must be clipped for the check to test the mask");
        double[] dPre = ElementwiseReference.ReluBackward(y, dy);
        double[] dgamma = new double[C];
        double[] dbeta = new double[C];
        double[] dx = BatchNormReference.Backward(x, dPre, mu, inv, gamma, N, C, Hw, dgamma, dbeta);

        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Forward, dy), "bn+relu dx");
        GradientCheck.AssertClose(dgamma, GradientCheck.Numerical(gamma, Forward, dy), "bn+relu dgamma");
        GradientCheck.AssertClose(dbeta, GradientCheck.Numerical(beta, Forward, dy), "bn+relu dbeta");
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(4, 17, 3)]
    public void LinearBackward_MatchesFiniteDifferences(int n, int inFeatures, int outFeatures)
    {
        double[] x = GradientCheck.Random(12, n * inFeatures);
        double[] w = GradientCheck.Random(13, outFeatures * inFeatures);
        double[] b = GradientCheck.Random(14, outFeatures);
        double[] dy = GradientCheck.Random(15, n * outFeatures);
        double[] dw = new double[w.Length];
        double[] db = new double[b.Length];
        double[] dx = LinearReference.Backward(x, w, dy, n, inFeatures, outFeatures, dw, db);

        double[] Forward() => LinearReference.Forward(x, w, b, n, inFeatures, outFeatures);
        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Forward, dy), "linear dx");
        GradientCheck.AssertClose(dw, GradientCheck.Numerical(w, Forward, dy), "linear dw");
        GradientCheck.AssertClose(db, GradientCheck.Numerical(b, Forward, dy), "linear db");
    }

    [Fact]
    public void AvgPool2x2Backward_MatchesFiniteDifferences()
    {
        const int N = 2;
        const int C = 3;
        const int H = 4;
        const int W = 6;
        double[] x = GradientCheck.Random(16, N * C * H * W);
        double[] dy = GradientCheck.Random(17, N * C * (H / 2) * (W / 2));
        double[] dx = PoolingReference.AvgPool2x2Backward(dy, N, C, H, W);
        GradientCheck.AssertClose(
            dx, GradientCheck.Numerical(x, () => PoolingReference.AvgPool2x2(x, N, C, H, W), dy), "avgpool dx");
    }

    [Fact]
    public void GlobalAvgPoolBackward_MatchesFiniteDifferences()
    {
        const int N = 2;
        const int C = 3;
        const int Hw = 35;
        double[] x = GradientCheck.Random(18, N * C * Hw);
        double[] dy = GradientCheck.Random(19, N * C, -10, 10);
        double[] dx = PoolingReference.GlobalAvgPoolBackward(dy, N, C, Hw);
        GradientCheck.AssertClose(
            dx, GradientCheck.Numerical(x, () => PoolingReference.GlobalAvgPool(x, N, C, Hw), dy), "global pool dx");
    }

    [Fact]
    public void ReluBackward_AwayFromKinks_MatchesFiniteDifferences()
    {
        double[] x = GradientCheck.AwayFromZero(20, 64);
        double[] dy = GradientCheck.Random(21, 64);
        double[] dx = ElementwiseReference.ReluBackward(ElementwiseReference.Relu(x), dy);
        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, () => ElementwiseReference.Relu(x), dy), "relu dx");
        dx.Should().Contain(0.0, "negative inputs must get a zero gradient");
    }

    [Theory]
    [InlineData(1, 1, 1.0)]
    [InlineData(4, 10, 1.0)]
    [InlineData(3, 7, 30.0)]
    public void SoftmaxCrossEntropy_GradientMatchesFiniteDifferences(int n, int k, double scale)
    {
        double[] logits = GradientCheck.Random(22, n * k, -scale, scale);
        int[] labels = new int[n];
        var rng = new Random(23);
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.Next(k);
        }

        LossReference.SoftmaxCrossEntropy(logits, labels, n, k, out double[] dlogits);
        double[] numerical = GradientCheck.Numerical(
            logits, () => LossReference.SoftmaxCrossEntropy(logits, labels, n, k, out double[] _));
        if (k == 1)
        {
            // One class: the loss is identically 0, so is its gradient.
            dlogits.Should().OnlyContain(v => v == 0);
            numerical.Should().OnlyContain(v => Math.Abs(v) < 1e-9);
            return;
        }

        GradientCheck.AssertClose(dlogits, numerical, "softmax CE dlogits");
    }

    [Fact]
    public void SoftmaxCrossEntropy_UniformLogits_LossIsLogK()
    {
        double[] logits = [3, 3, 3, 3, 3, 3, -1, -1, -1, -1, -1, -1];
        double loss = LossReference.SoftmaxCrossEntropy(logits, [0, 5], 2, 6, out double[] _);
        loss.Should().BeApproximately(Math.Log(6), 1e-12);
    }

    [Fact]
    public void PadChannelsBackward_MatchesFiniteDifferences()
    {
        const int N = 2;
        const int Cx = 3;
        const int Cy = 7;
        const int Hw = 5;
        const int Before = 2;
        double[] x = GradientCheck.Random(24, N * Cx * Hw);
        double[] dy = GradientCheck.Random(25, N * Cy * Hw);
        double[] dx = ElementwiseReference.PadChannelsBackward(dy, N, Cy, Hw, Cx, Before);
        double[] Forward() => ElementwiseReference.PadChannels(x, N, Cx, Hw, Cy, Before);
        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Forward, dy), "pad dx");
    }

    [Fact]
    public void SplitChannelsBackward_IsConcat_MatchesFiniteDifferences()
    {
        const int N = 2;
        const int Ca = 2;
        const int Cb = 3;
        const int Hw = 6;
        double[] x = GradientCheck.Random(26, N * (Ca + Cb) * Hw);
        double[] da = GradientCheck.Random(27, N * Ca * Hw);
        double[] db = GradientCheck.Random(28, N * Cb * Hw);
        double[] dx = ElementwiseReference.ConcatChannels(da, db, N, Ca, Cb, Hw);

        double Loss()
        {
            (double[] a, double[] b) = ElementwiseReference.SplitChannels(x, N, Ca, Cb, Hw);
            return GradientCheck.Dot(da, a) + GradientCheck.Dot(db, b);
        }

        GradientCheck.AssertClose(dx, GradientCheck.Numerical(x, Loss), "split dx");
    }

    [Fact]
    public void ConcatChannelsBackward_IsSplit_MatchesFiniteDifferences()
    {
        const int N = 2;
        const int Ca = 3;
        const int Cb = 1;
        const int Hw = 4;
        double[] a = GradientCheck.Random(29, N * Ca * Hw);
        double[] b = GradientCheck.Random(30, N * Cb * Hw);
        double[] dy = GradientCheck.Random(31, N * (Ca + Cb) * Hw);
        (double[] da, double[] db) = ElementwiseReference.SplitChannels(dy, N, Ca, Cb, Hw);

        double[] Forward() => ElementwiseReference.ConcatChannels(a, b, N, Ca, Cb, Hw);
        GradientCheck.AssertClose(da, GradientCheck.Numerical(a, Forward, dy), "concat da");
        GradientCheck.AssertClose(db, GradientCheck.Numerical(b, Forward, dy), "concat db");
    }

    [Fact]
    public void BatchNormUpdateRunning_RecoversUnbiasedVarianceOfTheBatch()
    {
        const int N = 3;
        const int C = 2;
        const int Hw = 5;
        const double Eps = 1e-3;
        const double Momentum = 0.25;
        double[] x = GradientCheck.Random(32, N * C * Hw, -1, 4);
        (double[] mean, double[] invStd) = BatchNormReference.Statistics(x, N, C, Hw, Eps);
        double[] runningMean = [0.5, -0.5];
        double[] runningVar = [2, 0.25];
        double[] oldMean = (double[])runningMean.Clone();
        double[] oldVar = (double[])runningVar.Clone();
        BatchNormReference.UpdateRunning(mean, invStd, runningMean, runningVar, Momentum, Eps, N * Hw);

        for (int ch = 0; ch < C; ch++)
        {
            // Direct two-pass unbiased variance from the samples themselves.
            List<double> samples = [];
            for (int b = 0; b < N; b++)
            {
                samples.AddRange(x.Skip(((b * C) + ch) * Hw).Take(Hw));
            }

            double mu = samples.Average();
            double unbiased = samples.Sum(v => (v - mu) * (v - mu)) / (samples.Count - 1);
            runningMean[ch].Should().BeApproximately(((1 - Momentum) * oldMean[ch]) + (Momentum * mu), 1e-12);
            runningVar[ch].Should().BeApproximately(((1 - Momentum) * oldVar[ch]) + (Momentum * unbiased), 1e-12);
        }
    }

    [Fact]
    public void AdamStep_FirstStep_MovesEachWeightByLrTimesSignOfGradient()
    {
        double[] w = GradientCheck.Random(33, 16);
        double[] g = GradientCheck.AwayFromZero(34, 16);
        double[] before = (double[])w.Clone();
        const double Lr = 1e-2;
        const double Eps = 1e-8;
        OptimizerReference.AdamStep(w, g, new double[16], new double[16], Lr, 0.9, 0.999, Eps, 0, false, 1);
        for (int i = 0; i < w.Length; i++)
        {
            // Step 1: m̂ = g and v̂ = g², so the update is lr·g/(|g| + eps).
            (before[i] - w[i]).Should().BeApproximately(Lr * g[i] / (Math.Abs(g[i]) + Eps), 1e-15);
        }
    }

    [Fact]
    public void AdamStep_DecoupledWithZeroGradient_OnlyShrinksWeights()
    {
        double[] w = GradientCheck.Random(35, 8);
        double[] before = (double[])w.Clone();
        double[] zero = new double[8];
        OptimizerReference.AdamStep(w, zero, new double[8], new double[8], 0.1, 0.9, 0.999, 1e-8, 0.5, true, 1);
        for (int i = 0; i < w.Length; i++)
        {
            w[i].Should().BeApproximately(before[i] * (1 - (0.1 * 0.5)), 1e-15);
        }
    }

    [Fact]
    public void SgdStep_NesterovFirstStep_UsesGradientPlusMomentumTimesVelocity()
    {
        double[] w = GradientCheck.Random(36, 8);
        double[] g = GradientCheck.Random(37, 8);
        double[] before = (double[])w.Clone();
        double[] velocity = new double[8];
        OptimizerReference.SgdStep(w, g, velocity, 0.1, 0.9, 0.01, nesterov: true);
        for (int i = 0; i < w.Length; i++)
        {
            double gradient = g[i] + (0.01 * before[i]);
            velocity[i].Should().BeApproximately(gradient, 1e-15);
            w[i].Should().BeApproximately(before[i] - (0.1 * 1.9 * gradient), 1e-15);
        }
    }

    [Fact]
    public void ElementwiseBackward_MultiplyDivideExpSigmoid_MatchFiniteDifferences()
    {
        double[] a = GradientCheck.Random(40, 23, -2, 2);
        double[] b = GradientCheck.AwayFromZero(41, 23, 0.5);
        double[] dy = GradientCheck.Random(42, 23);

        GradientCheck.AssertClose(
            ElementwiseReference.Multiply(dy, b),
            GradientCheck.Numerical(a, () => ElementwiseReference.Multiply(a, b), dy),
            "multiply da = dy ⊙ b");
        GradientCheck.AssertClose(
            ElementwiseReference.Multiply(dy, a),
            GradientCheck.Numerical(b, () => ElementwiseReference.Multiply(a, b), dy),
            "multiply db = dy ⊙ a");
        (double[] da, double[] db) = ElementwiseReference.DivideBackward(a, b, dy);
        GradientCheck.AssertClose(da, GradientCheck.Numerical(a, () => ElementwiseReference.Divide(a, b), dy), "divide da");
        GradientCheck.AssertClose(db, GradientCheck.Numerical(b, () => ElementwiseReference.Divide(a, b), dy), "divide db");
        GradientCheck.AssertClose(
            ElementwiseReference.Multiply(dy, ElementwiseReference.Exp(a)),
            GradientCheck.Numerical(a, () => ElementwiseReference.Exp(a), dy),
            "exp dx = dy ⊙ y");
        GradientCheck.AssertClose(
            ElementwiseReference.SigmoidBackward(a, dy),
            GradientCheck.Numerical(a, () => ElementwiseReference.Sigmoid(a), dy),
            "sigmoid dx = dy ⊙ y ⊙ (1 − y)");
        GradientCheck.AssertClose(
            ElementwiseReference.ScaleAdd(dy, -1.5, 0),
            GradientCheck.Numerical(a, () => ElementwiseReference.ScaleAdd(a, -1.5, 0.25), dy),
            "scale-add dx = alpha·dy");
    }
}
