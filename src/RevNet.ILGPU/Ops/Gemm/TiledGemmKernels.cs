using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// A batched, strided single-precision GEMM for <see cref="TiledGemmKernels"/>: for each split z of the batch,
/// C_z = Beta·C_z + Σ_{item in split z} A_item·B_item (+ bias[j] when Bias is set). A is M×K, B is K×N, C is M×N;
/// their element (i, j) is at <c>base + i·ld + j</c>, or <c>base + j·ld + i</c> for a transposed operand (the
/// layout is the kernel's). Item t of the batch starts at t·BatchA in A and t·BatchB in B; split z writes C at
/// z·BatchC. A plain batched GEMM has Splits = Batch; a GEMM whose sum also runs over the batch (a weight
/// gradient) has Splits = 1, or a few splits whose partials are then added in order.
/// </summary>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The reduced dimension of one item.</param>
/// <param name="Lda">Leading dimension of A.</param>
/// <param name="Ldb">Leading dimension of B.</param>
/// <param name="Ldc">Leading dimension of C.</param>
/// <param name="BatchA">Elements between consecutive batch items of A (0: shared by every item).</param>
/// <param name="BatchB">Elements between consecutive batch items of B.</param>
/// <param name="BatchC">Elements between the outputs of consecutive splits.</param>
/// <param name="Batch">Batch items.</param>
/// <param name="Splits">Groups of consecutive items, each summed into its own output (grid z).</param>
/// <param name="Beta">0 to overwrite C, 1 to accumulate into it.</param>
/// <param name="Bias">1 to add bias[j] to every row of C.</param>
internal readonly record struct GemmDims(
    int M, int N, int K, int Lda, int Ldb, int Ldc, int BatchA, int BatchB, int BatchC, int Batch, int Splits,
    float Beta, int Bias);

/// <summary>
/// Shared-memory tiled SGEMM: each group of 256 threads computes a 64x64 tile of C, walking K in 16-deep slices
/// staged in shared memory; each thread keeps a 4x4 register tile (16 scalars, rows ty + 16·i and columns
/// tx + 16·j, so stores are coalesced) and all loads and stores are masked at ragged edges. Every output is one
/// thread's sum over the batch items of its split, then k = 0, 1, ... in order — the same order as the simple
/// twins (<see cref="LinearKernels"/>, <see cref="Conv2dKernels"/>), so on the CPU accelerator both give the same
/// bits; no atomics, so every run repeats. The operands' layouts are compile-time type arguments
/// (<see cref="IGemmOperand"/>): each entry point is one specialisation, and each loads its tiles with coalesced
/// global reads.
/// </summary>
internal static class TiledGemmKernels
{
    /// <summary>Threads per group.</summary>
    public const int GroupSize = 256;

    /// <summary>Rows and columns of C per group.</summary>
    public const int Tile = 64;

    /// <summary>K per shared-memory slice.</summary>
    public const int Depth = 16;

    // A shared tile row holds Tile values plus one pad, so row-major loads (16 k values per 64 rows) spread
    // over the banks.
    private const int Pitch = Tile + 1;

    /// <summary>C = Beta·C + A·B (+ bias): neither operand transposed.</summary>
    [ExplicitlyGrouped(GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemmNN(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmDims d) =>
        Gemm(new KContiguous(a, d.Lda, d.BatchA), new OuterContiguous(b, d.Ldb, d.BatchB), bias, c, d);

    /// <summary>C = Beta·C + A·Bᵀ (+ bias): B stored N×K.</summary>
    [ExplicitlyGrouped(GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemmNT(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmDims d) =>
        Gemm(new KContiguous(a, d.Lda, d.BatchA), new KContiguous(b, d.Ldb, d.BatchB), bias, c, d);

    /// <summary>C = Beta·C + Aᵀ·B (+ bias): A stored K×M.</summary>
    [ExplicitlyGrouped(GroupSize)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemmTN(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmDims d) =>
        Gemm(new OuterContiguous(a, d.Lda, d.BatchA), new OuterContiguous(b, d.Ldb, d.BatchB), bias, c, d);

    /// <summary>
    /// The tile engine behind every entry point (the GEMMs here and the implicit-GEMM convolutions): must be called
    /// from an explicitly grouped kernel launched with groups of <see cref="GroupSize"/> threads and a grid of
    /// (⌈N/64⌉, ⌈M/64⌉, Splits). Operands come as <see cref="IGemmOperand"/> type arguments.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Gemm<TA, TB>(TA a, TB b, ArrayView<float> bias, ArrayView<float> c, GemmDims d)
        where TA : struct, IGemmOperand
        where TB : struct, IGemmOperand
    {
        // Allocated unconditionally, before any branch; nothing returns before the last barrier.
        ArrayView<float> tileA = SharedMemory.Allocate1D<float>(Depth * Pitch);
        ArrayView<float> tileB = SharedMemory.Allocate1D<float>(Depth * Pitch);
        int tid = Group.IdxX;
        int tx = tid % 16;
        int ty = tid / 16;
        int row0 = Grid.IdxY * Tile;
        int col0 = Grid.IdxX * Tile;
        int split = Grid.IdxZ;
        int first = (split * d.Batch) / d.Splits;
        int last = ((split + 1) * d.Batch) / d.Splits;

        // Tile loads: 1024 values per operand, four per thread. Consecutive threads take consecutive elements along
        // the operand's contiguous dimension (k, or m / n), so a warp's loads are coalesced.
        bool aAlongK = a.ContiguousK;
        bool bAlongK = b.ContiguousK;
        int aFast = aAlongK ? tid % Depth : tid % Tile;
        int aSlow = aAlongK ? tid / Depth : tid / Tile;
        int aStep = aAlongK ? GroupSize / Depth : GroupSize / Tile;
        int bFast = bAlongK ? tid % Depth : tid % Tile;
        int bSlow = bAlongK ? tid / Depth : tid / Tile;
        int bStep = bAlongK ? GroupSize / Depth : GroupSize / Tile;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int item = first; item < last; item++)
        {
            for (int k0 = 0; k0 < d.K; k0 += Depth)
            {
                for (int l = 0; l < 4; l++)
                {
                    int am = aAlongK ? aSlow + (l * aStep) : aFast;
                    int ak = aAlongK ? aFast : aSlow + (l * aStep);
                    int gm = row0 + am;
                    int gak = k0 + ak;
                    tileA[(ak * Pitch) + am] = gm < d.M && gak < d.K ? a.Load(item, gm, gak) : 0f;

                    int bn = bAlongK ? bSlow + (l * bStep) : bFast;
                    int bk = bAlongK ? bFast : bSlow + (l * bStep);
                    int gn = col0 + bn;
                    int gbk = k0 + bk;
                    tileB[(bk * Pitch) + bn] = gn < d.N && gbk < d.K ? b.Load(item, gn, gbk) : 0f;
                }

                Group.Barrier();
                for (int kk = 0; kk < Depth; kk++)
                {
                    int ao = (kk * Pitch) + ty;
                    int bo = (kk * Pitch) + tx;
                    float a0 = tileA[ao];
                    float a1 = tileA[ao + 16];
                    float a2 = tileA[ao + 32];
                    float a3 = tileA[ao + 48];
                    float b0 = tileB[bo];
                    float b1 = tileB[bo + 16];
                    float b2 = tileB[bo + 32];
                    float b3 = tileB[bo + 48];
                    c00 += a0 * b0;
                    c01 += a0 * b1;
                    c02 += a0 * b2;
                    c03 += a0 * b3;
                    c10 += a1 * b0;
                    c11 += a1 * b1;
                    c12 += a1 * b2;
                    c13 += a1 * b3;
                    c20 += a2 * b0;
                    c21 += a2 * b1;
                    c22 += a2 * b2;
                    c23 += a2 * b3;
                    c30 += a3 * b0;
                    c31 += a3 * b1;
                    c32 += a3 * b2;
                    c33 += a3 * b3;
                }

                Group.Barrier();
            }
        }

        int cBase = split * d.BatchC;
        int i0 = row0 + ty;
        int j0 = col0 + tx;
        StoreRow(c, bias, d, cBase, i0, j0, c00, c01, c02, c03);
        StoreRow(c, bias, d, cBase, i0 + 16, j0, c10, c11, c12, c13);
        StoreRow(c, bias, d, cBase, i0 + 32, j0, c20, c21, c22, c23);
        StoreRow(c, bias, d, cBase, i0 + 48, j0, c30, c31, c32, c33);
    }

    /// <summary>Stores one thread's four values of row i (columns j0 + 0, 16, 32, 48), masked at the edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        ArrayView<float> c, ArrayView<float> bias, GemmDims d, int cBase, int i, int j0, float v0, float v1,
        float v2, float v3)
    {
        if (i < d.M)
        {
            int row = cBase + (i * d.Ldc);
            Store(c, bias, d, row, j0, v0);
            Store(c, bias, d, row, j0 + 16, v1);
            Store(c, bias, d, row, j0 + 32, v2);
            Store(c, bias, d, row, j0 + 48, v3);
        }
    }

    /// <summary>c[row + j] = (Beta·c[row + j] + v) (+ bias[j]) when j is inside C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ArrayView<float> c, ArrayView<float> bias, GemmDims d, int row, int j, float v)
    {
        if (j < d.N)
        {
            float r = d.Beta != 0f ? (d.Beta * c[row + j]) + v : v;
            c[row + j] = d.Bias != 0 ? r + bias[j] : r;
        }
    }
}
