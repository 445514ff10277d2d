using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// Fill, Copy, Add, Subtract, Multiply, Divide, Axpy, ScaleAdd, Exp, Sigmoid, ReLU and the coupling's grid ops against
/// the double reference, on ragged lengths.
/// </summary>
public abstract class ElementwiseOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void Fill_RaggedLength_SetsEveryElement(int length)
    {
        ComputeDevice device = Require();
        using Tensor y = Poisoned(device, length);
        TensorOps.Fill(y, -3.25f);
        y.ToArray().Should().OnlyContain(v => v == -3.25f);
        TensorOps.Fill(y, 0f);
        y.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void Copy_RaggedLength_CopiesEveryBitAcrossShapes(int length)
    {
        ComputeDevice device = Require();
        float[] src = Random(1, length);
        src[0] = -0f;
        using Tensor a = Upload(device, src, length);
        using Tensor b = Poisoned(device, 1, length, 1);
        TensorOps.Copy(a, b);
        TensorAssert.BitIdentical(b.ToArray(), src, "copy");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void AddSubtract_RaggedLength_MatchReference(int length)
    {
        ComputeDevice device = Require();
        float[] a = Random(2, length);
        float[] b = Random(3, length, -4f, 4f);
        using Tensor ta = Upload(device, a, length);
        using Tensor tb = Upload(device, b, length);
        using Tensor y = Poisoned(device, length);

        TensorOps.Add(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Add(D(a), D(b)), Atol, Rtol, "add");
        TensorOps.Subtract(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Subtract(D(a), D(b)), Atol, Rtol, "subtract");
    }

    [SkippableTheory]
    [InlineData(17)]
    [InlineData(1025)]
    public void AddSubtract_OutputAliasesAnInput_MatchReference(int length)
    {
        ComputeDevice device = Require();
        float[] a = Random(4, length);
        float[] b = Random(5, length);
        using Tensor ta = Upload(device, a, 1, length);
        using Tensor tb = Upload(device, b, 1, length);

        TensorOps.Add(ta, tb, ta); // a = a + b
        TensorAssert.Close(ta.ToArray(), ElementwiseReference.Add(D(a), D(b)), Atol, Rtol, "add into a");
        ta.CopyFrom(a);
        TensorOps.Subtract(ta, tb, tb); // b = a − b
        TensorAssert.Close(tb.ToArray(), ElementwiseReference.Subtract(D(a), D(b)), Atol, Rtol, "subtract into b");
        TensorOps.Add(ta, ta, ta); // a = a + a
        TensorAssert.Close(ta.ToArray(), ElementwiseReference.Add(D(a), D(a)), Atol, Rtol, "add a to itself");
    }

    [SkippableTheory]
    [InlineData(1, 0.75f)]
    [InlineData(17, -2.5f)]
    [InlineData(1025, 1e-3f)]
    [InlineData(1025, 0f)]
    public void Axpy_RaggedLength_AddsScaledX(int length, float alpha)
    {
        ComputeDevice device = Require();
        float[] x = Random(6, length);
        float[] y0 = Random(7, length);
        using Tensor tx = Upload(device, x, length);
        using Tensor ty = Upload(device, y0, length);
        TensorOps.Axpy(alpha, tx, ty);
        TensorAssert.Close(ty.ToArray(), ElementwiseReference.Axpy(alpha, D(x), D(y0)), Atol, Rtol, "axpy");
        TensorOps.Axpy(alpha, tx, ty);
        TensorAssert.Close(ty.ToArray(), ElementwiseReference.Axpy(2.0 * alpha, D(x), D(y0)), Atol, Rtol, "axpy twice");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void Relu_RaggedLength_ForwardAndBackwardMatchReference(int length)
    {
        ComputeDevice device = Require();
        float[] x = Random(8, length);
        x[0] = length == 1 ? 0.5f : 0f;
        float[] dy = Random(9, length);
        using Tensor tx = Upload(device, x, length);
        using Tensor y = Poisoned(device, length);
        using Tensor tdy = Upload(device, dy, length);
        using Tensor dx = Poisoned(device, length);

        TensorOps.ReluForward(tx, y);
        float[] yHost = y.ToArray();
        TensorAssert.Close(yHost, ElementwiseReference.Relu(D(x)), 0, 0, "relu forward (exact)");
        TensorOps.ReluBackward(y, tdy, dx);
        TensorAssert.Close(
            dx.ToArray(), ElementwiseReference.ReluBackward(D(yHost), D(dy)), 0, 0, "relu backward (exact)");
    }

    [SkippableFact]
    public void Relu_InPlace_MatchesReference()
    {
        ComputeDevice device = Require();
        const int Length = 33;
        float[] x = Random(10, Length);
        float[] dy = Random(11, Length);
        using Tensor t = Upload(device, x, Length);
        using Tensor g = Upload(device, dy, Length);

        TensorOps.ReluForward(t, t);
        double[] y = ElementwiseReference.Relu(D(x));
        TensorAssert.Close(t.ToArray(), y, 0, 0, "relu in place");
        TensorOps.ReluBackward(t, g, g);
        TensorAssert.Close(g.ToArray(), ElementwiseReference.ReluBackward(y, D(dy)), 0, 0, "relu backward into dy");
    }

    [SkippableTheory]
    [InlineData(8197)]
    [InlineData(131075)]
    [InlineData(1048583)]
    public void AllElementwise_LargeRaggedLength_MatchReference(int length)
    {
        SkipOnSimulatorAbove(length);
        ComputeDevice device = Require();
        float[] a = Random(12, length);
        float[] b = Random(13, length);
        using Tensor ta = Upload(device, a, length);
        using Tensor tb = Upload(device, b, length);
        using Tensor y = Poisoned(device, length);

        TensorOps.Fill(y, 7f);
        y.ToArray().Should().OnlyContain(v => v == 7f);
        TensorOps.Copy(ta, y);
        TensorAssert.BitIdentical(y.ToArray(), a, "copy");
        TensorOps.Add(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Add(D(a), D(b)), Atol, Rtol, "add");
        TensorOps.Subtract(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Subtract(D(a), D(b)), Atol, Rtol, "subtract");
        TensorOps.Axpy(-0.5f, ta, tb);
        TensorAssert.Close(tb.ToArray(), ElementwiseReference.Axpy(-0.5, D(a), D(b)), Atol, Rtol, "axpy");
        TensorOps.ReluForward(ta, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Relu(D(a)), 0, 0, "relu");
        TensorOps.ReluBackward(y, ta, tb);
        double[] reluBackward = ElementwiseReference.ReluBackward(ElementwiseReference.Relu(D(a)), D(a));
        TensorAssert.Close(tb.ToArray(), reluBackward, 0, 0, "relu backward");
    }

    /// <summary>2^-15, the grid step of exact couplings.</summary>
    private const float GridStep = 1f / 32768f;

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void MultiplyDivide_RaggedLength_MatchReference(int length)
    {
        ComputeDevice device = Require();
        float[] a = Random(20, length, -3f, 3f);
        float[] b = Random(21, length, 0.5f, 2f);
        using Tensor ta = Upload(device, a, length);
        using Tensor tb = Upload(device, b, length);
        using Tensor y = Poisoned(device, length);

        TensorOps.Multiply(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Multiply(D(a), D(b)), Atol, Rtol, "multiply");
        TensorOps.Divide(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Divide(D(a), D(b)), Atol, Rtol, "divide");
        TensorOps.Multiply(ta, tb, ta); // in place: a = a ⊙ b
        TensorAssert.Close(ta.ToArray(), ElementwiseReference.Multiply(D(a), D(b)), Atol, Rtol, "multiply into a");
        ta.CopyFrom(a);
        TensorOps.Divide(ta, tb, tb); // in place: b = a / b
        TensorAssert.Close(tb.ToArray(), ElementwiseReference.Divide(D(a), D(b)), Atol, Rtol, "divide into b");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void ScaleAddExpSigmoid_RaggedLength_MatchReference(int length)
    {
        ComputeDevice device = Require();
        float[] x = Random(22, length, -6f, 6f);
        using Tensor tx = Upload(device, x, length);
        using Tensor y = Poisoned(device, length);

        TensorOps.ScaleAdd(tx, -1.5f, 0.25f, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.ScaleAdd(D(x), -1.5, 0.25), Atol, Rtol, "scale-add");
        TensorOps.Exp(tx, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Exp(D(x)), Atol, Rtol, "exp");
        TensorOps.Sigmoid(tx, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Sigmoid(D(x)), Atol, Rtol, "sigmoid");
        TensorOps.Sigmoid(tx, tx); // in place
        TensorAssert.Close(tx.ToArray(), ElementwiseReference.Sigmoid(D(x)), Atol, Rtol, "sigmoid in place");
    }

    [SkippableFact]
    public void ElementwiseBackward_ComposedFromOps_MatchReferenceBackward()
    {
        ComputeDevice device = Require();
        const int Length = 257;
        float[] a = Random(23, Length, -2f, 2f);
        float[] b = Random(24, Length, 0.5f, 2f);
        float[] dy = Random(25, Length);
        using Tensor ta = Upload(device, a, Length);
        using Tensor tb = Upload(device, b, Length);
        using Tensor tdy = Upload(device, dy, Length);
        using Tensor y = Poisoned(device, Length);
        using Tensor g = Poisoned(device, Length);

        TensorOps.Multiply(tdy, tb, g); // multiply: da = dy ⊙ b
        TensorAssert.Close(g.ToArray(), ElementwiseReference.Multiply(D(dy), D(b)), Atol, Rtol, "multiply da");
        (double[] da, double[] db) = ElementwiseReference.DivideBackward(D(a), D(b), D(dy));
        TensorOps.Divide(tdy, tb, g); // divide: da = dy / b
        TensorAssert.Close(g.ToArray(), da, Atol, Rtol, "divide da");
        TensorOps.Divide(ta, tb, y); // divide: db = −dy ⊙ y / b
        TensorOps.Multiply(tdy, y, g);
        TensorOps.Divide(g, tb, g);
        TensorOps.ScaleAdd(g, -1f, 0f, g);
        TensorAssert.Close(g.ToArray(), db, Atol, Rtol, "divide db");
        TensorOps.Exp(ta, y); // exp: dx = dy ⊙ y
        TensorOps.Multiply(tdy, y, g);
        TensorAssert.Close(
            g.ToArray(), ElementwiseReference.Multiply(D(dy), ElementwiseReference.Exp(D(a))), Atol, Rtol, "exp dx");
        TensorOps.Sigmoid(ta, y);
        TensorOps.SigmoidBackward(y, tdy, g);
        TensorAssert.Close(g.ToArray(), ElementwiseReference.SigmoidBackward(D(a), D(dy)), Atol, Rtol, "sigmoid dx");
    }

    [SkippableFact]
    public void SigmoidBackward_OnDevice_MatchesFiniteDifferencesOfDeviceForward()
    {
        ComputeDevice device = Require();
        const int Length = 64;
        float[] x = Random(26, Length, -3f, 3f);
        float[] r = Random(27, Length);
        using Tensor tx = Upload(device, x, Length);
        using Tensor tr = Upload(device, r, Length);
        using Tensor y = Poisoned(device, Length);
        using Tensor dx = Poisoned(device, Length);
        TensorOps.Sigmoid(tx, y);
        TensorOps.SigmoidBackward(y, tr, dx);
        float[] analytic = dx.ToArray();
        FiniteDifferenceSmoke(
            x,
            p => tx.CopyFrom(p),
            () =>
            {
                TensorOps.Sigmoid(tx, y);
                return Dot(r, y.ToArray());
            },
            analytic,
            28,
            "sigmoid");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1025)]
    public void GridRound_RaggedLength_RoundsToNearestEvenMultiple(int length)
    {
        ComputeDevice device = Require();
        float[] x = Random(29, length, -120f, 120f); // |x| < 2^22·step = 128: the exact range
        if (length > 4)
        {
            x[1] = 2.5f * GridStep; // ties go to the even multiple
            x[2] = -3.5f * GridStep;
            x[3] = -0f;
            x[4] = 0.49f * GridStep;
        }

        using Tensor tx = Upload(device, x, length);
        using Tensor y = Poisoned(device, length);
        TensorOps.GridRound(tx, GridStep, y);
        float[] rounded = y.ToArray();
        TensorAssert.Close(rounded, ElementwiseReference.GridRound(D(x), GridStep), 0, 0, "grid round (exact)");
        TensorOps.GridRound(tx, GridStep, tx); // in place, and idempotent
        TensorOps.GridRound(tx, GridStep, tx);
        TensorAssert.BitIdentical(tx.ToArray(), rounded, "grid round in place, twice");
    }

    [SkippableTheory]
    [InlineData(1f)]
    [InlineData(-1f)]
    public void CouplingAdd_BitIdenticalToRoundingByTwoBatchNormPassesThenAdding(float sign)
    {
        ComputeDevice device = Require();
        const int N = 2, C = 3, Plane = 37;
        int length = N * C * Plane;
        float[] x = Random(30, length, -100f, 100f);
        float[] branch = Random(31, length, -2f, 2f);
        for (int i = 0; i < 24; i++)
        {
            branch[i * 7] = (i - 12) * 0.5f * GridStep * (i % 3 == 0 ? 1f : 1001f); // ties and off-grid values
        }

        branch[5] = 5000f; // beyond the exact range: both forms degrade alike
        branch[6] = -0f;
        using Tensor tx = Upload(device, x, N, C, Plane, 1);
        using Tensor tb = Upload(device, branch, N, C, Plane, 1);
        using Tensor fused = Poisoned(device, N, C, Plane, 1);
        TensorOps.CouplingAdd(tx, tb, sign, GridStep, fused);

        // What CouplingGrid does today: fl(fl(v + m) − m) by two BatchNormApply passes, then Add or Subtract.
        float magic = 1.5f * 8388608f * GridStep;
        using Tensor zero = Filled(device, C, 0f);
        using Tensor one = Filled(device, C, 1f);
        using Tensor plus = Filled(device, C, magic);
        using Tensor minus = Filled(device, C, -magic);
        using Tensor shifted = Poisoned(device, N, C, Plane, 1);
        using Tensor twoPass = Upload(device, branch, N, C, Plane, 1);
        TensorOps.BatchNormApply(twoPass, zero, one, one, plus, shifted, relu: false);
        TensorOps.BatchNormApply(shifted, zero, one, one, minus, twoPass, relu: false);
        if (sign > 0)
        {
            TensorOps.Add(tx, twoPass, twoPass);
        }
        else
        {
            TensorOps.Subtract(tx, twoPass, twoPass);
        }

        TensorAssert.BitIdentical(fused.ToArray(), twoPass.ToArray(), "fused coupling add vs two-pass rounding");
        TensorAssert.Close(
            fused.ToArray(), ElementwiseReference.CouplingAdd(D(x), D(branch), sign, GridStep), 0, 1e-6, "reference");
        tb.ToArray().Should().Equal(branch, "the branch is only read");
    }

    [SkippableFact]
    public void CouplingAdd_OnGrid_InvertsBitForBitInPlace()
    {
        ComputeDevice device = Require();
        const int Length = 1031;
        float[] x = Array.ConvertAll(Random(32, Length, -400f, 400f), v => MathF.Round(v / GridStep) * GridStep);
        float[] branch = Random(33, Length, -50f, 50f);
        using Tensor tx = Upload(device, x, Length);
        using Tensor tb = Upload(device, branch, Length);
        using Tensor y = Poisoned(device, Length);
        TensorOps.CouplingAdd(tx, tb, 1f, GridStep, y);
        float[] coupled = y.ToArray();
        coupled.Should().NotEqual(x);
        TensorOps.CouplingAdd(tx, tb, 1f, GridStep, tx); // y = x + ⌊b⌉, into x
        TensorAssert.BitIdentical(tx.ToArray(), coupled, "output aliasing x");
        TensorOps.CouplingAdd(tx, tb, -1f, GridStep, tx); // x = y − ⌊b⌉
        TensorAssert.BitIdentical(tx.ToArray(), x, "x + ⌊b⌉ − ⌊b⌉");
        TensorOps.CouplingAdd(tx, tb, 1f, GridStep, tb); // output aliasing the branch
        TensorAssert.BitIdentical(tb.ToArray(), coupled, "output aliasing the branch");
    }

    [SkippableFact]
    public void CouplingAdd_NoGrid_EqualsAddAndSubtract()
    {
        ComputeDevice device = Require();
        float[] x = Random(34, 129);
        float[] b = Random(35, 129);
        using Tensor tx = Upload(device, x, 129);
        using Tensor tb = Upload(device, b, 129);
        using Tensor y = Poisoned(device, 129);
        using Tensor expected = Poisoned(device, 129);
        TensorOps.CouplingAdd(tx, tb, 1f, 0f, y);
        TensorOps.Add(tx, tb, expected);
        TensorAssert.BitIdentical(y.ToArray(), expected.ToArray(), "plus");
        TensorOps.CouplingAdd(tx, tb, -1f, 0f, y);
        TensorOps.Subtract(tx, tb, expected);
        TensorAssert.BitIdentical(y.ToArray(), expected.ToArray(), "minus");
    }

    [SkippableFact]
    public void GridOps_BadSignOrStep_ThrowNamingTheArgument()
    {
        ComputeDevice device = Require();
        using Tensor a = Upload(device, Random(36, 8), 8);
        using Tensor b = Upload(device, Random(37, 8), 8);
        using Tensor other = Poisoned(device, 2, 4);

        FluentActions.Invoking(() => TensorOps.CouplingAdd(a, b, 0.5f, GridStep, a))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("sign");
        FluentActions.Invoking(() => TensorOps.CouplingAdd(a, b, 1f, 3e-5f, a))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("gridStep");
        FluentActions.Invoking(() => TensorOps.CouplingAdd(a, b, 1f, -GridStep, a))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("gridStep");
        FluentActions.Invoking(() => TensorOps.GridRound(a, 0f, a))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("step");
        FluentActions.Invoking(() => TensorOps.CouplingAdd(a, b, 1f, GridStep, other))
            .Should().Throw<ArgumentException>().WithParameterName("y");
        FluentActions.Invoking(() => TensorOps.ScaleAdd(a, float.NaN, 0f, a))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("alpha");
        FluentActions.Invoking(() => TensorOps.Multiply(a, other, a))
            .Should().Throw<ArgumentException>().WithParameterName("b");
    }

    private static Tensor Filled(ComputeDevice device, int length, float value)
    {
        float[] values = new float[length];
        Array.Fill(values, value);
        return device.ToTensor(values, length);
    }
}
