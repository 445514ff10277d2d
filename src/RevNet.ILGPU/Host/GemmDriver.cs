using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RevNet.ILGPU.Host;

/// <summary>
/// The cache-blocked GEMM loop nest (Goto/BLIS order) over one rectangle of C, on the calling thread:
/// for each NC column block, for each KC depth block, pack B (L3/L2), for each MC row block pack A (L2), then
/// run the micro-kernel over NR x MR tiles (B panel in L1). Sources are abstracted by the packers, so the same
/// loops serve plain matrices, prepacked weights and implicit im2col.
/// </summary>
/// <remarks>
/// The k-blocking depends on k only (never on the rectangle or the thread), and each tile sums its k-block in
/// order, so every output gets the same bits however C is split between threads.
/// </remarks>
internal static unsafe class GemmDriver
{
    /// <summary>Largest depth block: a 320 x 32 B panel (40 KB) fits the 48 KB L1 of the target cores.</summary>
    public const int KcMax = 320;

    /// <summary>Rows of A per block (a multiple of both MR values): 192 x 320 floats = 240 KB, in L2.</summary>
    public const int Mc = 192;

    /// <summary>Columns of B per block (a multiple of every NR).</summary>
    public const int Nc = 4096;

    /// <summary>Whether the AVX-512 kernels run by default on this machine.</summary>
    public static bool DefaultWide { get; } = Vector512.IsHardwareAccelerated;

    /// <summary>Tile rows for the chosen kernel family.</summary>
    public static int Mr(bool wide) => wide ? GemmKernels.WideMr : GemmKernels.PortableMr;

    /// <summary>Tile columns for the chosen kernel family.</summary>
    public static int Nr(bool wide) => wide ? GemmKernels.WideNr : GemmKernels.PortableNr;

    /// <summary>The number of depth blocks for depth k (at least one).</summary>
    public static int DepthBlocks(int k) => Math.Max(1, (k + KcMax - 1) / KcMax);

    /// <summary>Block b of <paramref name="blocks"/> near-equal depth blocks of k.</summary>
    public static void DepthBlock(int k, int blocks, int b, out int p0, out int kc)
    {
        int size = k / blocks;
        int rest = k % blocks;
        p0 = (b * size) + Math.Min(b, rest);
        kc = size + (b < rest ? 1 : 0);
    }

    /// <summary>Rounds <paramref name="x"/> up to a multiple of <paramref name="unit"/>.</summary>
    public static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    /// <summary>Floats needed to prepack an m x k A with <see cref="PrepackA{TA}"/>.</summary>
    public static long PrepackedSizeA(bool wide, int m, int k) => (long)RoundUp(m, Mr(wide)) * k;

    /// <summary>Packs all of A once, block by block, in the layout <see cref="PrepackedA"/> reads.</summary>
    public static PrepackedA PrepackA<TA>(bool wide, TA source, int m, int k, float* destination)
        where TA : struct, IGemmPackA
    {
        for (int b = 0; b < DepthBlocks(k); b++)
        {
            PrepackABlock(wide, source, m, k, destination, b);
        }

        return PrepackedReaderA(wide, m, destination);
    }

    /// <summary>Packs depth block <paramref name="block"/> of all of A (blocks are independent).</summary>
    public static void PrepackABlock<TA>(bool wide, TA source, int m, int k, float* destination, int block)
        where TA : struct, IGemmPackA
    {
        DepthBlock(k, DepthBlocks(k), block, out int p0, out int kc);
        source.Pack(destination + ((long)p0 * RoundUp(m, Mr(wide))), 0, m, p0, kc, Mr(wide));
    }

    /// <summary>The reader of A prepacked at <paramref name="destination"/>.</summary>
    public static PrepackedA PrepackedReaderA(bool wide, int m, float* destination) =>
        new(destination, RoundUp(m, Mr(wide)));

    /// <summary>Floats needed to prepack a k x n B with <see cref="PrepackBBlock{TB}"/>.</summary>
    public static long PrepackedSizeB(bool wide, int n, int k) => (long)RoundUp(n, Nr(wide)) * k;

    /// <summary>Packs depth block <paramref name="block"/> of all of B (blocks are independent).</summary>
    public static void PrepackBBlock<TB>(bool wide, TB source, int n, int k, float* destination, int block)
        where TB : struct, IGemmPackB
    {
        DepthBlock(k, DepthBlocks(k), block, out int p0, out int kc);
        source.Pack(destination + ((long)p0 * RoundUp(n, Nr(wide))), p0, kc, 0, n, Nr(wide));
    }

    /// <summary>The reader of B prepacked at <paramref name="destination"/> by <see cref="PrepackBBlock{TB}"/>.</summary>
    public static PrepackedB PrepackedReaderB(bool wide, int n, float* destination) =>
        new(destination, RoundUp(n, Nr(wide)));

    /// <summary>
    /// C[i, j] = alpha·Σ_p A[i, p]·B[p, j] + beta·C[i, j] for i in [iBegin, iEnd), j in [jBegin, jEnd); C points at
    /// element (0, 0). iBegin (jBegin) must be a multiple of MR (NR) when A (B) is
    /// prepacked. beta = 0 never reads C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TA, TB>(
        bool wide, TA a, TB b, int iBegin, int iEnd, int jBegin, int jEnd, int k,
        float alpha, float beta, float* c, int ldc, GemmScratch scratch)
        where TA : struct, IGemmPackA
        where TB : struct, IGemmPackB
    {
        if (iBegin >= iEnd || jBegin >= jEnd)
        {
            return;
        }

        if (k == 0)
        {
            ScaleOnly(iBegin, iEnd, jBegin, jEnd, beta, c, ldc);
            return;
        }

        int mr = Mr(wide);
        int nr = Nr(wide);
        int blocks = DepthBlocks(k);
        DepthBlock(k, blocks, 0, out _, out int kcLargest);
        bool oneRowBlock = iEnd - iBegin <= Mc;

        // Sized to what this product packs: one B panel (one row block) or NC columns, and at most MC rows of A.
        int ncLargest = oneRowBlock ? nr : RoundUp(Math.Min(Nc, jEnd - jBegin), nr);
        float* bufferB = scratch.Get(GemmSlot.PackB, (long)kcLargest * ncLargest);
        float* bufferA = scratch.Get(GemmSlot.PackA, (long)RoundUp(Math.Min(Mc, iEnd - iBegin), mr) * kcLargest);
        if (oneRowBlock)
        {
            // One row block (the convolution case, M = output channels): pack A once per depth block and each B
            // panel just before its tiles use it, so the panel is still in L1.
            int mc = iEnd - iBegin;
            for (int jc = jBegin; jc < jEnd; jc += Nc)
            {
                int nc = Math.Min(Nc, jEnd - jc);
                for (int block = 0; block < blocks; block++)
                {
                    DepthBlock(k, blocks, block, out int p0, out int kc);
                    float* packedA = a.Pack(bufferA, iBegin, mc, p0, kc, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int ncols = Math.Min(nr, nc - jr);
                        float* panelB = b.Pack(bufferB, p0, kc, jc + jr, ncols, nr);
                        float* cTiles = c + ((long)iBegin * ldc) + jc + jr;
                        Tiles(wide, kc, packedA, mc, panelB, ncols, cTiles, ldc, alpha, beta, block == 0);
                    }
                }
            }

            return;
        }

        for (int jc = jBegin; jc < jEnd; jc += Nc)
        {
            int nc = Math.Min(Nc, jEnd - jc);
            for (int block = 0; block < blocks; block++)
            {
                DepthBlock(k, blocks, block, out int p0, out int kc);
                float* packedB = b.Pack(bufferB, p0, kc, jc, nc, nr);
                for (int ic = iBegin; ic < iEnd; ic += Mc)
                {
                    int mc = Math.Min(Mc, iEnd - ic);
                    float* packedA = a.Pack(bufferA, ic, mc, p0, kc, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int ncols = Math.Min(nr, nc - jr);
                        float* cTiles = c + ((long)ic * ldc) + jc + jr;
                        Tiles(wide, kc, packedA, mc, packedB + ((long)jr * kc), ncols, cTiles, ldc, alpha, beta, block == 0);
                    }
                }
            }
        }
    }

    /// <summary>One B panel against all MR-row panels of a packed A block: C tiles down one column strip.</summary>
    private static void Tiles(
        bool wide, int kc, float* packedA, int mc, float* panelB, int ncols, float* c, int ldc,
        float alpha, float beta, bool first)
    {
        int mr = Mr(wide);
        for (int ir = 0; ir < mc; ir += mr)
        {
            int nrows = Math.Min(mr, mc - ir);
            float* tileC = c + ((long)ir * ldc);
            if (wide)
            {
                GemmKernels.Packed512(kc, packedA + ((long)ir * kc), panelB, tileC, ldc, nrows, ncols, alpha, beta, first);
            }
            else
            {
                GemmKernels.PackedPortable(kc, packedA + ((long)ir * kc), panelB, tileC, ldc, nrows, ncols, alpha, beta, first);
            }
        }
    }

    private static void ScaleOnly(int iBegin, int iEnd, int jBegin, int jEnd, float beta, float* c, int ldc)
    {
        for (int i = iBegin; i < iEnd; i++)
        {
            float* row = c + ((long)i * ldc);
            for (int j = jBegin; j < jEnd; j++)
            {
                row[j] = beta == 0f ? 0f : row[j] * beta;
            }
        }
    }
}
