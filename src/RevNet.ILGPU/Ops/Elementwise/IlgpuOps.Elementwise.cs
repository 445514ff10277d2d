using ILGPU;
using ILGPU.Runtime;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>Elementwise ops, the coupling grid ops and channel copies.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void Fill(Tensor y, float value)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(ElementwiseKernels.Fill, threads, y.View, new ElementwiseArgs(count, threads, value));
    }

    /// <inheritdoc />
    public void Copy(Tensor src, Tensor dst)
    {
        if (!ReferenceEquals(src, dst))
        {
            src.View.CopyTo(dst.View);
        }
    }

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Add, a, b, y, 0f);

    /// <inheritdoc />
    public void Subtract(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Subtract, a, b, y, 0f);

    /// <inheritdoc />
    public void Axpy(float alpha, Tensor x, Tensor y) => Unary(ElementwiseKernels.Axpy, x, y, alpha);

    /// <inheritdoc />
    public void ReluForward(Tensor x, Tensor y) => Unary(ElementwiseKernels.ReluForward, x, y, 0f);

    /// <inheritdoc />
    public void ReluBackward(Tensor y, Tensor dy, Tensor dx) => Binary(ElementwiseKernels.ReluBackward, y, dy, dx, 0f);

    /// <inheritdoc />
    public void Multiply(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Multiply, a, b, y, 0f);

    /// <inheritdoc />
    public void Divide(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Divide, a, b, y, 0f);

    /// <inheritdoc />
    public void ScaleAdd(Tensor x, float alpha, float beta, Tensor y) =>
        Unary(ElementwiseKernels.ScaleAdd, x, y, alpha, beta);

    /// <inheritdoc />
    public void Exp(Tensor x, Tensor y) => Unary(ElementwiseKernels.Exp, x, y, 0f);

    /// <inheritdoc />
    public void Sigmoid(Tensor x, Tensor y) => Unary(ElementwiseKernels.Sigmoid, x, y, 0f);

    /// <inheritdoc />
    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) =>
        Binary(ElementwiseKernels.SigmoidBackward, y, dy, dx, 0f);

    /// <inheritdoc />
    public void GridAdd(Tensor? x, Tensor branch, float sign, float magic, Tensor y)
    {
        if (x is null)
        {
            Unary(ElementwiseKernels.GridRound, branch, y, sign, magic);
        }
        else
        {
            Binary(ElementwiseKernels.GridAdd, x, branch, y, sign, magic);
        }
    }

    /// <inheritdoc />
    public void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        int plane = src.Shape[2] * src.Shape[3];
        int total = checked(src.Shape[0] * count * plane);
        int threads = Threads(total);
        _kernels.Launch(ChannelKernels.Copy, threads, src.View, dst.View,
            new ChannelCopyDims(total, threads, plane, count, src.Shape[1], srcOffset, dst.Shape[1], dstOffset));
    }

    /// <summary>An elementwise kernel y = f(x) over the element count of y.</summary>
    private void Unary(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs> kernel, Tensor x, Tensor y, float scalar,
        float shift = 0f)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, x.View, y.View, new ElementwiseArgs(count, threads, scalar, shift));
    }

    /// <summary>An elementwise kernel y = f(a, b) over the element count of y.</summary>
    private void Binary(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs> kernel,
        Tensor a, Tensor b, Tensor y, float scalar, float shift = 0f)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, a.View, b.View, y.View, new ElementwiseArgs(count, threads, scalar, shift));
    }
}
