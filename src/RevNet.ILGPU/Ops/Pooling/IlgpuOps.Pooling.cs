using ILGPU;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>2x2 average pooling and global average pooling.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void AvgPool2x2Forward(Tensor x, Tensor y) => Pool(PoolingKernels.AvgPool2x2Forward, x, y, Count(y), x);

    /// <inheritdoc />
    public void AvgPool2x2Backward(Tensor dy, Tensor dx) =>
        Pool(PoolingKernels.AvgPool2x2Backward, dy, dx, Count(dx), dx);

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor x, Tensor y) =>
        Pool(PoolingKernels.GlobalAvgPoolForward, x, y, x.Shape[0] * x.Shape[1], x);

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor dy, Tensor dx) =>
        Pool(PoolingKernels.GlobalAvgPoolBackward, dy, dx, Count(dx), dx);

    /// <summary>A pooling kernel over <paramref name="count"/> items; the spatial size comes from the larger tensor.</summary>
    private void Pool(
        Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims> kernel, Tensor input, Tensor output, int count,
        Tensor spatial)
    {
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, input.View, output.View, new PoolDims(count, threads, spatial.Shape[2], spatial.Shape[3]));
    }
}
