using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>Fill, Copy, Add, Subtract, Axpy and ReLU against the double reference, on ragged lengths.</summary>
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
}
