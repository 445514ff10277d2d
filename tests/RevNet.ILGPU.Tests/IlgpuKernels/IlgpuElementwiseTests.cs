using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.IlgpuKernels;

/// <summary>Elementwise, channel-copy and pooling kernels of the ILGPU backend against double loops.</summary>
public abstract class IlgpuElementwiseTests(DeviceFixture fixture)
{
    [SkippableFact]
    public void Fill_RaggedLength_SetsEveryElement()
    {
        ComputeDevice device = fixture.Require();
        using Tensor y = device.RandomTensor(1, 37);
        TensorOps.Fill(y, 2.5f);
        y.ToArray().Should().OnlyContain(v => v == 2.5f);
    }

    [SkippableFact]
    public void Copy_RaggedLength_CopiesExactly()
    {
        ComputeDevice device = fixture.Require();
        float[] a = TestData.Uniform(2, 37);
        using Tensor src = device.ToTensor(a, 37);
        using Tensor dst = device.RandomTensor(3, 37);
        TensorOps.Copy(src, dst);
        TensorAssert.BitIdentical(dst.ToArray(), a, "copy");
    }

    [SkippableFact]
    public void AddSubtractAxpy_RaggedLength_MatchReference()
    {
        ComputeDevice device = fixture.Require();
        float[] a = TestData.Uniform(4, 41);
        float[] b = TestData.Uniform(5, 41);
        using Tensor ta = device.ToTensor(a, 41);
        using Tensor tb = device.ToTensor(b, 41);
        using Tensor y = device.RandomTensor(6, 41);

        TensorOps.Add(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Add(a.ToDouble(), b.ToDouble()), what: "add");
        TensorOps.Subtract(ta, tb, y);
        TensorAssert.Close(y.ToArray(), ElementwiseReference.Subtract(a.ToDouble(), b.ToDouble()), what: "subtract");

        // y aliases a: y = a + b in place, then y += 0.5·b.
        TensorOps.Add(ta, tb, ta);
        TensorOps.Axpy(0.5f, tb, ta);
        double[] expected = ElementwiseReference.Axpy(0.5, b.ToDouble(), ElementwiseReference.Add(a.ToDouble(), b.ToDouble()));
        TensorAssert.Close(ta.ToArray(), expected, what: "add+axpy");
    }

    [SkippableFact]
    public void Relu_ForwardAndBackward_MatchReference()
    {
        ComputeDevice device = fixture.Require();
        float[] x = TestData.Uniform(7, 43);
        float[] dy = TestData.Uniform(8, 43);
        using Tensor tx = device.ToTensor(x, 43);
        using Tensor y = device.RandomTensor(9, 43);
        using Tensor tdy = device.ToTensor(dy, 43);
        using Tensor dx = device.RandomTensor(10, 43);

        TensorOps.ReluForward(tx, y);
        float[] yHost = y.ToArray();
        TensorAssert.BitIdentical(yHost, x.Select(v => Math.Max(v, 0f)).ToArray(), "relu");
        TensorOps.ReluBackward(y, tdy, dx);
        TensorAssert.BitIdentical(dx.ToArray(), dy.Select((g, i) => yHost[i] > 0 ? g : 0f).ToArray(), "relu backward");

        // In place on dy.
        TensorOps.ReluBackward(y, tdy, tdy);
        TensorAssert.BitIdentical(tdy.ToArray(), dx.ToArray(), "relu backward in place");
    }

    [SkippableFact]
    public void SplitConcatPad_OddChannels_RoundTrip()
    {
        ComputeDevice device = fixture.Require();
        float[] x = TestData.Uniform(11, 2 * 5 * 3 * 3);
        using Tensor tx = device.ToTensor(x, 2, 5, 3, 3);
        using Tensor a = device.RandomTensor(12, 2, 2, 3, 3);
        using Tensor b = device.RandomTensor(13, 2, 3, 3, 3);
        TensorOps.SplitChannels(tx, a, b);

        float[] ah = a.ToArray();
        float[] bh = b.ToArray();
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 5; c++)
            {
                for (int t = 0; t < 9; t++)
                {
                    float expected = x[(((n * 5) + c) * 9) + t];
                    float actual = c < 2 ? ah[(((n * 2) + c) * 9) + t] : bh[(((n * 3) + (c - 2)) * 9) + t];
                    actual.Should().Be(expected);
                }
            }
        }

        using Tensor back = device.RandomTensor(14, 2, 5, 3, 3);
        TensorOps.ConcatChannels(a, b, back);
        TensorAssert.BitIdentical(back.ToArray(), x, "concat");

        using Tensor padded = device.RandomTensor(15, 2, 9, 3, 3);
        TensorOps.PadChannels(tx, padded, 3);
        float[] ph = padded.ToArray();
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 9; c++)
            {
                for (int t = 0; t < 9; t++)
                {
                    float expected = c >= 3 && c < 8 ? x[(((n * 5) + (c - 3)) * 9) + t] : 0f;
                    ph[(((n * 9) + c) * 9) + t].Should().Be(expected);
                }
            }
        }

        using Tensor dx = device.RandomTensor(16, 2, 5, 3, 3);
        TensorOps.PadChannelsBackward(padded, dx, 3);
        TensorAssert.BitIdentical(dx.ToArray(), x, "pad backward");
    }

    [SkippableFact]
    public void AvgPool2x2_ForwardAndBackward_MatchReference()
    {
        ComputeDevice device = fixture.Require();
        const int N = 2, C = 3, H = 4, W = 6;
        float[] x = TestData.Uniform(17, N * C * H * W);
        float[] dy = TestData.Uniform(18, N * C * (H / 2) * (W / 2));
        using Tensor tx = device.ToTensor(x, N, C, H, W);
        using Tensor y = device.RandomTensor(19, N, C, H / 2, W / 2);
        using Tensor tdy = device.ToTensor(dy, N, C, H / 2, W / 2);
        using Tensor dx = device.RandomTensor(20, N, C, H, W);
        TensorOps.AvgPool2x2Forward(tx, y);
        TensorOps.AvgPool2x2Backward(tdy, dx);

        TensorAssert.Close(y.ToArray(), PoolingReference.AvgPool2x2(x.ToDouble(), N, C, H, W), what: "avgpool");
        TensorAssert.Close(dx.ToArray(), PoolingReference.AvgPool2x2Backward(dy.ToDouble(), N, C, H, W), what: "avgpool backward");
    }

    [SkippableFact]
    public void GlobalAvgPool_ForwardAndBackward_MatchReference()
    {
        ComputeDevice device = fixture.Require();
        const int N = 2, C = 3, H = 5, W = 7;
        float[] x = TestData.Uniform(21, N * C * H * W);
        float[] dy = TestData.Uniform(22, N * C);
        using Tensor tx = device.ToTensor(x, N, C, H, W);
        using Tensor y = device.RandomTensor(23, N, C);
        using Tensor tdy = device.ToTensor(dy, N, C, 1, 1);
        using Tensor dx = device.RandomTensor(24, N, C, H, W);
        TensorOps.GlobalAvgPoolForward(tx, y);
        TensorOps.GlobalAvgPoolBackward(tdy, dx);

        TensorAssert.Close(y.ToArray(), PoolingReference.GlobalAvgPool(x.ToDouble(), N, C, H * W), what: "global avgpool");
        TensorAssert.Close(
            dx.ToArray(), PoolingReference.GlobalAvgPoolBackward(dy.ToDouble(), N, C, H * W), what: "global avgpool backward");
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuElementwiseTests(IlgpuCpuFixture fixture) : IlgpuElementwiseTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaElementwiseTests(CudaFixture fixture) : IlgpuElementwiseTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLElementwiseTests(OpenCLFixture fixture) : IlgpuElementwiseTests(fixture);
