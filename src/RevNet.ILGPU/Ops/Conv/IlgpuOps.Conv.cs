using ILGPU;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>2-D convolution.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g) =>
        Conv(Conv2dKernels.Forward, x, w, y, g);

    /// <inheritdoc />
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g) =>
        Conv(Conv2dKernels.BackwardInput, dy, w, dx, g);

    /// <inheritdoc />
    /// <remarks>
    /// With a batch of more than one sample the sum is split into batch chunks (a partial-sum pass with one
    /// thread per (chunk, weight), then a reduce pass adding the chunks in order), so a GPU gets enough threads.
    /// The chunk count depends only on the geometry, so the bits do not depend on the device's size.
    /// </remarks>
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g)
    {
        int weights = Count(dw);
        int chunks = WeightGradientChunks(g, weights);
        if (chunks == 1)
        {
            Conv(Conv2dKernels.BackwardWeight, x, dy, dw, g);
            return;
        }

        int items = chunks * weights;
        using Tensor partial = Workspace(items);
        int partialThreads = Threads(items);
        _kernels.Launch(Conv2dKernels.BackwardWeightPartial, partialThreads, x.View, dy.View, partial.View,
            new Conv2dDims(items, partialThreads, g, chunks));
        int reduceThreads = Threads(weights);
        _kernels.Launch(Conv2dKernels.BackwardWeightReduce, reduceThreads, partial.View, dw.View,
            new Conv2dDims(weights, reduceThreads, g, chunks));
    }

    /// <summary>
    /// Batch chunks for the split conv weight gradient: as many as the batch allows while the partial sums stay
    /// within 4M floats (16 MB) of workspace, and while each chunk still sums at least 256 products per weight.
    /// </summary>
    private static int WeightGradientChunks(Conv2dGeometry g, int weights)
    {
        const int MaxPartials = 1 << 22;
        const int MinProductsPerChunk = 256;
        int byMemory = Math.Max(1, MaxPartials / weights);
        int byWork = Math.Max(1, (g.N * g.P * g.Q) / MinProductsPerChunk);
        return Math.Min(g.N, Math.Min(byMemory, byWork));
    }

    /// <summary>A one-pass convolution kernel with one thread per element of its output <paramref name="c"/>.</summary>
    private void Conv(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims> kernel,
        Tensor a, Tensor b, Tensor c, Conv2dGeometry g)
    {
        int count = Count(c);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, a.View, b.View, c.View, new Conv2dDims(count, threads, g));
    }
}
