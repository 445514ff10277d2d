using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>The tiled SGEMM that the linear layer and 1x1 convolutions run on when <see cref="Tiled"/> is set.</summary>
internal sealed partial class IlgpuOps
{
    /// <summary>
    /// Whether GEMM-shaped ops (linear layer, 1x1 stride-1 convolutions) run on the shared-memory tiled kernels
    /// (<see cref="TiledGemmKernels"/>) instead of their simple twins. On by default on GPUs; on the CPU accelerator
    /// only when its device has groups of <see cref="TiledGemmKernels.GroupSize"/> threads (for tests).
    /// </summary>
    public bool Tiled { get; }

    /// <summary>Launches one tiled GEMM: a 64x64 tile of C per group, <see cref="GemmDims.Splits"/> along z.</summary>
    private void TiledGemm(
        Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmDims> kernel,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmDims d) =>
        _kernels.LaunchGrouped(kernel, TileGrid(d), a, b, bias, c, d);

    /// <summary>The grid and group of a tiled GEMM (<see cref="TiledGemmKernels.Gemm"/>).</summary>
    private static KernelConfig TileGrid(GemmDims d)
    {
        const int T = TiledGemmKernels.Tile;
        return new KernelConfig(
            new Index3D((d.N + T - 1) / T, (d.M + T - 1) / T, d.Splits),
            new Index3D(TiledGemmKernels.GroupSize, 1, 1));
    }
}
