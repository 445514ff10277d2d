using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RevNet.ILGPU.Host;

/// <summary>
/// The register-blocked FMA micro-kernels of the host GEMM and convolutions. Each holds an MR x NR tile of C in
/// vector registers (16 zmm for the AVX-512 8x32 tile, 12 for the portable 6 x 2·Vector&lt;float&gt;.Count tile) and
/// runs one fused multiply-add chain per output over k, in increasing k: the summation order of an output never
/// depends on where its tile sits, so results are bit-reproducible whatever the blocking of M and N or the thread
/// that runs the tile.
/// </summary>
/// <remarks>
/// <para><b>Packed</b> kernels read A as a panel [kc][MR] (broadcast one element per row) and B as a panel [kc][NR]
/// (NR/width vector loads per k), and write C once at the end:
/// first block: C = alpha·acc (beta = 0, old C never read) or alpha·acc + beta·C; later k-blocks: C = C + alpha·acc.
/// The vector and the scalar (ragged-edge) write-back use the same IEEE operations, so edges match the interior.</para>
/// <para><b>Rows</b> kernels serve the convolution weight gradient without an im2col copy: row i of A is read at
/// <c>rows[i][ip·rowStep + iq·colStep]</c> (a zero-padded image seen through the kernel offset of one
/// (c, r, s)), B is a [p·q][ldb] matrix (the transposed output gradient), and the tile accumulates into
/// <c>acc</c> (row stride ldAcc) in (ip, iq) order.</para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmKernels
{
    /// <summary>Rows of the AVX-512 tile.</summary>
    public const int WideMr = 8;

    /// <summary>Columns of the AVX-512 tile.</summary>
    public const int WideNr = 32;

    /// <summary>Rows of the portable tile.</summary>
    public const int PortableMr = 6;

    /// <summary>Columns of the portable tile.</summary>
    public static int PortableNr => 2 * Vector<float>.Count;

    /// <summary>AVX-512 8x32 tile of a packed GEMM: A panel [kc][8], B panel [kc][32].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Packed512(
        int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero;
        Vector512<float> c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero;
        Vector512<float> c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero;
        Vector512<float> c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero;
        Vector512<float> c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero;
        Vector512<float> c51 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero;
        Vector512<float> c61 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero;
        Vector512<float> c71 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }

        if (mr == 8 && nr == 32)
        {
            StoreRow(c + (0 * ldc), c00, c01, alpha, beta, first);
            StoreRow(c + (1 * ldc), c10, c11, alpha, beta, first);
            StoreRow(c + (2 * ldc), c20, c21, alpha, beta, first);
            StoreRow(c + (3 * ldc), c30, c31, alpha, beta, first);
            StoreRow(c + (4 * ldc), c40, c41, alpha, beta, first);
            StoreRow(c + (5 * ldc), c50, c51, alpha, beta, first);
            StoreRow(c + (6 * ldc), c60, c61, alpha, beta, first);
            StoreRow(c + (7 * ldc), c70, c71, alpha, beta, first);
        }
        else
        {
            float* t = stackalloc float[256];
            c00.Store(t + 0);
            c01.Store(t + 16);
            c10.Store(t + 32);
            c11.Store(t + 48);
            c20.Store(t + 64);
            c21.Store(t + 80);
            c30.Store(t + 96);
            c31.Store(t + 112);
            c40.Store(t + 128);
            c41.Store(t + 144);
            c50.Store(t + 160);
            c51.Store(t + 176);
            c60.Store(t + 192);
            c61.Store(t + 208);
            c70.Store(t + 224);
            c71.Store(t + 240);
            StoreTile(t, 32, c, ldc, mr, nr, alpha, beta, first);
        }
    }

    /// <summary>AVX-512 weight-gradient tile, 8 rows x 32 columns (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows512x32(
        float** rows, float* b, int ldb, int p, int q, int rowStep, int colStep, float* acc, int ldAcc)
    {
        float* r0 = rows[0];
        float* r1 = rows[1];
        float* r2 = rows[2];
        float* r3 = rows[3];
        float* r4 = rows[4];
        float* r5 = rows[5];
        float* r6 = rows[6];
        float* r7 = rows[7];
        Vector512<float> c00 = Vector512.Load(acc + (0 * ldAcc));
        Vector512<float> c01 = Vector512.Load(acc + (0 * ldAcc) + 16);
        Vector512<float> c10 = Vector512.Load(acc + (1 * ldAcc));
        Vector512<float> c11 = Vector512.Load(acc + (1 * ldAcc) + 16);
        Vector512<float> c20 = Vector512.Load(acc + (2 * ldAcc));
        Vector512<float> c21 = Vector512.Load(acc + (2 * ldAcc) + 16);
        Vector512<float> c30 = Vector512.Load(acc + (3 * ldAcc));
        Vector512<float> c31 = Vector512.Load(acc + (3 * ldAcc) + 16);
        Vector512<float> c40 = Vector512.Load(acc + (4 * ldAcc));
        Vector512<float> c41 = Vector512.Load(acc + (4 * ldAcc) + 16);
        Vector512<float> c50 = Vector512.Load(acc + (5 * ldAcc));
        Vector512<float> c51 = Vector512.Load(acc + (5 * ldAcc) + 16);
        Vector512<float> c60 = Vector512.Load(acc + (6 * ldAcc));
        Vector512<float> c61 = Vector512.Load(acc + (6 * ldAcc) + 16);
        Vector512<float> c70 = Vector512.Load(acc + (7 * ldAcc));
        Vector512<float> c71 = Vector512.Load(acc + (7 * ldAcc) + 16);
        for (int ip = 0; ip < p; ip++)
        {
            int off = ip * rowStep;
            for (int iq = 0; iq < q; iq++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> a0 = Vector512.Create(r0[off]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                Vector512<float> a1 = Vector512.Create(r1[off]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                Vector512<float> a2 = Vector512.Create(r2[off]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                Vector512<float> a3 = Vector512.Create(r3[off]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                Vector512<float> a4 = Vector512.Create(r4[off]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                Vector512<float> a5 = Vector512.Create(r5[off]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                Vector512<float> a6 = Vector512.Create(r6[off]);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
                Vector512<float> a7 = Vector512.Create(r7[off]);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
                b += ldb;
                off += colStep;
            }
        }

        c00.Store(acc + (0 * ldAcc));
        c01.Store(acc + (0 * ldAcc) + 16);
        c10.Store(acc + (1 * ldAcc));
        c11.Store(acc + (1 * ldAcc) + 16);
        c20.Store(acc + (2 * ldAcc));
        c21.Store(acc + (2 * ldAcc) + 16);
        c30.Store(acc + (3 * ldAcc));
        c31.Store(acc + (3 * ldAcc) + 16);
        c40.Store(acc + (4 * ldAcc));
        c41.Store(acc + (4 * ldAcc) + 16);
        c50.Store(acc + (5 * ldAcc));
        c51.Store(acc + (5 * ldAcc) + 16);
        c60.Store(acc + (6 * ldAcc));
        c61.Store(acc + (6 * ldAcc) + 16);
        c70.Store(acc + (7 * ldAcc));
        c71.Store(acc + (7 * ldAcc) + 16);
    }

    /// <summary>AVX-512 weight-gradient tile, 8 rows x 16 columns (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows512x16(
        float** rows, float* b, int ldb, int p, int q, int rowStep, int colStep, float* acc, int ldAcc)
    {
        float* r0 = rows[0];
        float* r1 = rows[1];
        float* r2 = rows[2];
        float* r3 = rows[3];
        float* r4 = rows[4];
        float* r5 = rows[5];
        float* r6 = rows[6];
        float* r7 = rows[7];
        Vector512<float> c00 = Vector512.Load(acc + (0 * ldAcc));
        Vector512<float> c10 = Vector512.Load(acc + (1 * ldAcc));
        Vector512<float> c20 = Vector512.Load(acc + (2 * ldAcc));
        Vector512<float> c30 = Vector512.Load(acc + (3 * ldAcc));
        Vector512<float> c40 = Vector512.Load(acc + (4 * ldAcc));
        Vector512<float> c50 = Vector512.Load(acc + (5 * ldAcc));
        Vector512<float> c60 = Vector512.Load(acc + (6 * ldAcc));
        Vector512<float> c70 = Vector512.Load(acc + (7 * ldAcc));
        for (int ip = 0; ip < p; ip++)
        {
            int off = ip * rowStep;
            for (int iq = 0; iq < q; iq++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> a0 = Vector512.Create(r0[off]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
                Vector512<float> a1 = Vector512.Create(r1[off]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
                Vector512<float> a2 = Vector512.Create(r2[off]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
                Vector512<float> a3 = Vector512.Create(r3[off]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
                Vector512<float> a4 = Vector512.Create(r4[off]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
                Vector512<float> a5 = Vector512.Create(r5[off]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
                Vector512<float> a6 = Vector512.Create(r6[off]);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
                Vector512<float> a7 = Vector512.Create(r7[off]);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
                b += ldb;
                off += colStep;
            }
        }

        c00.Store(acc + (0 * ldAcc));
        c10.Store(acc + (1 * ldAcc));
        c20.Store(acc + (2 * ldAcc));
        c30.Store(acc + (3 * ldAcc));
        c40.Store(acc + (4 * ldAcc));
        c50.Store(acc + (5 * ldAcc));
        c60.Store(acc + (6 * ldAcc));
        c70.Store(acc + (7 * ldAcc));
    }

    /// <summary>Portable 6 x (2·Vector&lt;float&gt;.Count) tile of a packed GEMM.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackedPortable(
        int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        Vector<float> c00 = Vector<float>.Zero;
        Vector<float> c01 = Vector<float>.Zero;
        Vector<float> c10 = Vector<float>.Zero;
        Vector<float> c11 = Vector<float>.Zero;
        Vector<float> c20 = Vector<float>.Zero;
        Vector<float> c21 = Vector<float>.Zero;
        Vector<float> c30 = Vector<float>.Zero;
        Vector<float> c31 = Vector<float>.Zero;
        Vector<float> c40 = Vector<float>.Zero;
        Vector<float> c41 = Vector<float>.Zero;
        Vector<float> c50 = Vector<float>.Zero;
        Vector<float> c51 = Vector<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            Vector<float> b0 = Vector.Load(b);
            Vector<float> b1 = Vector.Load(b + (1 * Vector<float>.Count));
            Vector<float> a0 = new Vector<float>(a[0]);
            c00 = Vector.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector.FusedMultiplyAdd(a0, b1, c01);
            Vector<float> a1 = new Vector<float>(a[1]);
            c10 = Vector.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector.FusedMultiplyAdd(a1, b1, c11);
            Vector<float> a2 = new Vector<float>(a[2]);
            c20 = Vector.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector.FusedMultiplyAdd(a2, b1, c21);
            Vector<float> a3 = new Vector<float>(a[3]);
            c30 = Vector.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector.FusedMultiplyAdd(a3, b1, c31);
            Vector<float> a4 = new Vector<float>(a[4]);
            c40 = Vector.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector.FusedMultiplyAdd(a4, b1, c41);
            Vector<float> a5 = new Vector<float>(a[5]);
            c50 = Vector.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 2 * Vector<float>.Count;
        }

        if (mr == 6 && nr == 2 * Vector<float>.Count)
        {
            StoreRow(c + (0 * ldc), c00, c01, alpha, beta, first);
            StoreRow(c + (1 * ldc), c10, c11, alpha, beta, first);
            StoreRow(c + (2 * ldc), c20, c21, alpha, beta, first);
            StoreRow(c + (3 * ldc), c30, c31, alpha, beta, first);
            StoreRow(c + (4 * ldc), c40, c41, alpha, beta, first);
            StoreRow(c + (5 * ldc), c50, c51, alpha, beta, first);
        }
        else
        {
            float* t = stackalloc float[12 * Vector<float>.Count];
            c00.Store(t + (0 * Vector<float>.Count));
            c01.Store(t + (1 * Vector<float>.Count));
            c10.Store(t + (2 * Vector<float>.Count));
            c11.Store(t + (3 * Vector<float>.Count));
            c20.Store(t + (4 * Vector<float>.Count));
            c21.Store(t + (5 * Vector<float>.Count));
            c30.Store(t + (6 * Vector<float>.Count));
            c31.Store(t + (7 * Vector<float>.Count));
            c40.Store(t + (8 * Vector<float>.Count));
            c41.Store(t + (9 * Vector<float>.Count));
            c50.Store(t + (10 * Vector<float>.Count));
            c51.Store(t + (11 * Vector<float>.Count));
            StoreTile(t, 2 * Vector<float>.Count, c, ldc, mr, nr, alpha, beta, first);
        }
    }

    /// <summary>Portable weight-gradient tile, 6 rows x 2·Vector&lt;float&gt;.Count columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowsPortable(
        float** rows, float* b, int ldb, int p, int q, int rowStep, int colStep, float* acc, int ldAcc)
    {
        float* r0 = rows[0];
        float* r1 = rows[1];
        float* r2 = rows[2];
        float* r3 = rows[3];
        float* r4 = rows[4];
        float* r5 = rows[5];
        Vector<float> c00 = Vector.Load(acc + (0 * ldAcc));
        Vector<float> c01 = Vector.Load(acc + (0 * ldAcc) + (1 * Vector<float>.Count));
        Vector<float> c10 = Vector.Load(acc + (1 * ldAcc));
        Vector<float> c11 = Vector.Load(acc + (1 * ldAcc) + (1 * Vector<float>.Count));
        Vector<float> c20 = Vector.Load(acc + (2 * ldAcc));
        Vector<float> c21 = Vector.Load(acc + (2 * ldAcc) + (1 * Vector<float>.Count));
        Vector<float> c30 = Vector.Load(acc + (3 * ldAcc));
        Vector<float> c31 = Vector.Load(acc + (3 * ldAcc) + (1 * Vector<float>.Count));
        Vector<float> c40 = Vector.Load(acc + (4 * ldAcc));
        Vector<float> c41 = Vector.Load(acc + (4 * ldAcc) + (1 * Vector<float>.Count));
        Vector<float> c50 = Vector.Load(acc + (5 * ldAcc));
        Vector<float> c51 = Vector.Load(acc + (5 * ldAcc) + (1 * Vector<float>.Count));
        for (int ip = 0; ip < p; ip++)
        {
            int off = ip * rowStep;
            for (int iq = 0; iq < q; iq++)
            {
                Vector<float> b0 = Vector.Load(b);
                Vector<float> b1 = Vector.Load(b + (1 * Vector<float>.Count));
                Vector<float> a0 = new Vector<float>(r0[off]);
                c00 = Vector.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector.FusedMultiplyAdd(a0, b1, c01);
                Vector<float> a1 = new Vector<float>(r1[off]);
                c10 = Vector.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector.FusedMultiplyAdd(a1, b1, c11);
                Vector<float> a2 = new Vector<float>(r2[off]);
                c20 = Vector.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector.FusedMultiplyAdd(a2, b1, c21);
                Vector<float> a3 = new Vector<float>(r3[off]);
                c30 = Vector.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector.FusedMultiplyAdd(a3, b1, c31);
                Vector<float> a4 = new Vector<float>(r4[off]);
                c40 = Vector.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector.FusedMultiplyAdd(a4, b1, c41);
                Vector<float> a5 = new Vector<float>(r5[off]);
                c50 = Vector.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector.FusedMultiplyAdd(a5, b1, c51);
                b += ldb;
                off += colStep;
            }
        }

        c00.Store(acc + (0 * ldAcc));
        c01.Store(acc + (0 * ldAcc) + (1 * Vector<float>.Count));
        c10.Store(acc + (1 * ldAcc));
        c11.Store(acc + (1 * ldAcc) + (1 * Vector<float>.Count));
        c20.Store(acc + (2 * ldAcc));
        c21.Store(acc + (2 * ldAcc) + (1 * Vector<float>.Count));
        c30.Store(acc + (3 * ldAcc));
        c31.Store(acc + (3 * ldAcc) + (1 * Vector<float>.Count));
        c40.Store(acc + (4 * ldAcc));
        c41.Store(acc + (4 * ldAcc) + (1 * Vector<float>.Count));
        c50.Store(acc + (5 * ldAcc));
        c51.Store(acc + (5 * ldAcc) + (1 * Vector<float>.Count));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        float* c, Vector512<float> v0, Vector512<float> v1, float alpha, float beta, bool first)
    {
        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> x0 = v0 * va;
        Vector512<float> x1 = v1 * va;
        if (!first)
        {
            x0 = Vector512.Load(c) + x0;
            x1 = Vector512.Load(c + 16) + x1;
        }
        else if (beta != 0f)
        {
            Vector512<float> vb = Vector512.Create(beta);
            x0 += Vector512.Load(c) * vb;
            x1 += Vector512.Load(c + 16) * vb;
        }

        x0.Store(c);
        x1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        float* c, Vector<float> v0, Vector<float> v1, float alpha, float beta, bool first)
    {
        int w = Vector<float>.Count;
        Vector<float> va = new(alpha);
        Vector<float> x0 = v0 * va;
        Vector<float> x1 = v1 * va;
        if (!first)
        {
            x0 = Vector.Load(c) + x0;
            x1 = Vector.Load(c + w) + x1;
        }
        else if (beta != 0f)
        {
            Vector<float> vb = new(beta);
            x0 += Vector.Load(c) * vb;
            x1 += Vector.Load(c + w) * vb;
        }

        x0.Store(c);
        x1.Store(c + w);
    }

    /// <summary>Scalar write-back of a ragged tile; the same operations as <see cref="StoreRow(float*, Vector512{float}, Vector512{float}, float, float, bool)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTile(float* t, int ldt, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        for (int i = 0; i < mr; i++)
        {
            float* ti = t + (i * ldt);
            float* ci = c + (i * ldc);
            for (int j = 0; j < nr; j++)
            {
                float v = ti[j] * alpha;
                if (!first)
                {
                    ci[j] += v;
                }
                else if (beta != 0f)
                {
                    ci[j] = v + (ci[j] * beta);
                }
                else
                {
                    ci[j] = v;
                }
            }
        }
    }
}
