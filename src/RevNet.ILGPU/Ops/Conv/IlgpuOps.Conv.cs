using ILGPU;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// 2-D convolution. With <see cref="Tiled"/> set, a 1x1 stride-1 unpadded convolution is a GEMM per sample
/// (y_n [K, HW] = w [K, C] · x_n [C, HW]) and runs on the tiled SGEMM; every other geometry runs as implicit
/// GEMMs (<see cref="ImplicitGemmConvKernels"/>). All sum in the simple kernels' order, so the simple kernels
/// stay as their reference twins.
/// </summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g)
    {
        if (IsTiledPointwise(g))
        {
            int hw = g.H * g.W;
            TiledGemm(TiledGemmKernels.GemmNN, w.View, x.View, y.View, y.View,
                new GemmDims(g.K, hw, g.C, g.C, hw, hw, 0, g.C * hw, g.K * hw, g.N, g.N, 0f, 0));
            return;
        }

        if (Tiled)
        {
            int pixels = g.P * g.Q;
            int taps = g.C * g.R * g.S;
            var gemm = new GemmDims(g.K, pixels, taps, taps, 0, pixels, 0, 0, g.K * pixels, g.N, g.N, 0f, 0);
            _kernels.LaunchGrouped(ImplicitGemmConvKernels.Forward, TileGrid(gemm), x.View, w.View, y.View,
                new ImplicitGemmDims(gemm, g));
            return;
        }

        Conv(Conv2dKernels.Forward, x, w, y, g);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g)
    {
        if (IsTiledPointwise(g))
        {
            // dx_n [C, HW] = wᵀ (w stored [K, C]) · dy_n [K, HW].
            int hw = g.H * g.W;
            TiledGemm(TiledGemmKernels.GemmTN, w.View, dy.View, dx.View, dx.View,
                new GemmDims(g.C, hw, g.K, g.C, hw, hw, 0, g.K * hw, g.C * hw, g.N, g.N, 0f, 0));
            return;
        }

        if (Tiled)
        {
            int pixels = g.H * g.W;
            int taps = g.K * g.R * g.S;
            var gemm = new GemmDims(g.C, pixels, taps, 0, 0, pixels, 0, 0, g.C * pixels, g.N, g.N, 0f, 0);
            _kernels.LaunchGrouped(ImplicitGemmConvKernels.BackwardInput, TileGrid(gemm), dy.View, w.View, dx.View,
                new ImplicitGemmDims(gemm, g));
            return;
        }

        Conv(Conv2dKernels.BackwardInput, dy, w, dx, g);
    }

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
        if (IsTiledPointwise(g))
        {
            TiledPointwiseWeightGradient(x, dy, dw, g, chunks);
            return;
        }

        if (Tiled)
        {
            ImplicitGemmWeightGradient(x, dy, dw, g, chunks);
            return;
        }

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
        ReduceWeightPartials(partial, dw, g, chunks);
    }

    /// <summary>Whether a geometry runs on the tiled GEMM: a 1x1, stride-1, unpadded convolution.</summary>
    private bool IsTiledPointwise(Conv2dGeometry g) =>
        Tiled && g.R == 1 && g.S == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    /// <summary>
    /// dw [K, C] += Σ_n dy_n [K, HW] · x_nᵀ (x_n stored [C, HW]): one GEMM whose sum runs over the samples, or,
    /// split into the same batch chunks as the simple kernels, chunk partials added in chunk order.
    /// </summary>
    private void TiledPointwiseWeightGradient(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g, int chunks)
    {
        int hw = g.H * g.W;
        int weights = g.K * g.C;
        if (chunks == 1)
        {
            TiledGemm(TiledGemmKernels.GemmNT, dy.View, x.View, dw.View, dw.View,
                new GemmDims(g.K, g.C, hw, hw, hw, g.C, g.K * hw, g.C * hw, 0, g.N, 1, 1f, 0));
            return;
        }

        using Tensor partial = Workspace(chunks * weights);
        TiledGemm(TiledGemmKernels.GemmNT, dy.View, x.View, partial.View, partial.View,
            new GemmDims(g.K, g.C, hw, hw, hw, g.C, g.K * hw, g.C * hw, weights, g.N, chunks, 0f, 0));
        ReduceWeightPartials(partial, dw, g, chunks);
    }

    /// <summary>
    /// dw [K, C·R·S] += Σ_n dy_n · im2col(x_n)ᵀ as an implicit GEMM, split into the simple kernels' batch chunks
    /// (partials added in chunk order) when there is more than one.
    /// </summary>
    private void ImplicitGemmWeightGradient(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g, int chunks)
    {
        int pixels = g.P * g.Q;
        int taps = g.C * g.R * g.S;
        int weights = g.K * taps;
        if (chunks == 1)
        {
            var direct = new GemmDims(g.K, taps, pixels, pixels, 0, taps, 0, 0, 0, g.N, 1, 1f, 0);
            _kernels.LaunchGrouped(ImplicitGemmConvKernels.BackwardWeight, TileGrid(direct), x.View, dy.View, dw.View,
                new ImplicitGemmDims(direct, g));
            return;
        }

        using Tensor partial = Workspace(chunks * weights);
        var split = new GemmDims(g.K, taps, pixels, pixels, 0, taps, 0, 0, weights, g.N, chunks, 0f, 0);
        _kernels.LaunchGrouped(ImplicitGemmConvKernels.BackwardWeight, TileGrid(split), x.View, dy.View,
            partial.View, new ImplicitGemmDims(split, g));
        ReduceWeightPartials(partial, dw, g, chunks);
    }

    /// <summary>dw += Σ_chunk partial[chunk], in chunk order (the second pass of every split weight gradient).
    /// </summary>
    private void ReduceWeightPartials(Tensor partial, Tensor dw, Conv2dGeometry g, int chunks)
    {
        int weights = Count(dw);
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
