using System.Runtime.CompilerServices;
using ILGPU;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Kernels;

/// <summary>Launch arguments of an implicit-GEMM convolution: the GEMM's sizes and splits, and the geometry.</summary>
/// <param name="Gemm">M, N, K, Ldc, BatchC, Batch (= samples), Splits and Beta of the GEMM.</param>
/// <param name="G">The convolution.</param>
internal readonly record struct ImplicitGemmDims(GemmDims Gemm, Conv2dGeometry G);

/// <summary>
/// Convolutions of any kernel size, stride and padding as implicit GEMMs on the tiled engine
/// (<see cref="TiledGemmKernels"/>): the im2col matrix of the input is gathered tile by tile into shared memory,
/// never stored. Both sum in the order of the simple twins (<see cref="Conv2dKernels"/>), with the padding taps
/// adding zeros, so on the CPU accelerator they give the same bits.
/// </summary>
internal static class ImplicitGemmConvKernels
{
    /// <summary>y_n [K, P·Q] = w [K, C·R·S] · im2col(x_n) [C·R·S, P·Q]; grid z = samples.</summary>
    [ExplicitlyGrouped(TiledGemmKernels.GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, ImplicitGemmDims d) =>
        TiledGemmKernels.Gemm(new KContiguous(w, d.Gemm.K, 0), new Im2ColPixels(x, d.G), y, y, d.Gemm);

    /// <summary>
    /// dx_n [C, H·W] = w as [C, K·R·S] · dy_n gathered as [K·R·S, H·W] (each input pixel takes the outputs whose
    /// taps land on it; any stride, skipped positions are zeros); grid z = samples. Sums over (k, r, s) in order,
    /// as the simple kernel does.
    /// </summary>
    [ExplicitlyGrouped(TiledGemmKernels.GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ImplicitGemmDims d) =>
        TiledGemmKernels.Gemm(new WeightsByInputChannel(w, d.G), new OutputGradientPixels(dy, d.G), dx, dx, d.Gemm);

    /// <summary>
    /// dw [K, C·R·S] (+)= Σ_n dy_n [K, P·Q] · im2col(x_n)ᵀ [P·Q, C·R·S], the samples of each split summed in
    /// order (Beta 1 with one split; with several, each writes its partial at z·BatchC, added in order after).
    /// </summary>
    [ExplicitlyGrouped(TiledGemmKernels.GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight(
        ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ImplicitGemmDims d) =>
        TiledGemmKernels.Gemm(
            new KContiguous(dy, d.Gemm.K, d.G.K * d.Gemm.K), new Im2ColTaps(x, d.G), dw, dw, d.Gemm);
}
