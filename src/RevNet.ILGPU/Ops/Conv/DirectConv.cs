using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Direct stride-1 convolution on a zero-padded image with the AVX-512 kernel: no im2col packing at all. For a
/// stride-1 convolution, im2col row (c, r, s) of sixteen consecutive outputs in one output row is sixteen
/// consecutive floats of the padded image at offset c·hp·wp + r·wp + s from the segment's origin, so the
/// micro-kernel loads B straight from the image through a table of those offsets. This matters for narrow layers
/// (K = 16 output channels), where packing im2col panels cost more than the multiply-adds they fed.
/// </summary>
/// <remarks>
/// Each output is one FMA chain over (c, r, s) in order, starting from zero (the same bits as the packed GEMM path
/// when the depth fits one GEMM depth block), independent of threads and scheduling.
/// </remarks>
internal static unsafe class DirectConv
{
    /// <summary>Outputs per segment: one 512-bit vector.</summary>
    public const int Segment = 16;

    /// <summary>The longest depth (C·R·S) the direct path takes (its offset table is on the stack).</summary>
    public const int MaxDepth = 4096;

    /// <summary>
    /// Whether the direct path handles geometry <paramref name="g"/>: stride 1, K a multiple of 8, and Q a multiple
    /// of 16 (segments within one output row) or Q = 8 with P even (a segment is two half rows).
    /// </summary>
    public static bool Applies(bool wide, Conv2dGeometry g) =>
        wide && g.StrideH == 1 && g.StrideW == 1 && g.K % GemmKernels.WideMr == 0
        && (g.Q % Segment == 0 || (g.Q == Segment / 2 && g.P % 2 == 0))
        && g.C * g.R * g.S <= MaxDepth;

    /// <summary>
    /// y[k, 16·t .. 16·t + 16) for all k and segments t in [t0, t1) of one image; <paramref name="a"/> is the
    /// weights prepacked for MR = 8 by <see cref="GemmDriver.PrepackA{TA}"/> (depth blocks of [K/8][kc][8]);
    /// <paramref name="source"/> the padded image. Across depth blocks the kernel reloads its partial sums from y,
    /// so each output stays one FMA chain over (c, r, s) in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* source, int hp, int wp, Conv2dGeometry g, float* y, int t0, int t1)
    {
        int crs = g.C * g.R * g.S;
        int rs = g.R * g.S;
        int* offsets = stackalloc int[crs];
        for (int j = 0; j < crs; j++)
        {
            int c = j / rs;
            int rem = j - (c * rs);
            int r = rem / g.S;
            int s = rem - (r * g.S);
            offsets[j] = (c * hp * wp) + (r * wp) + s;
        }

        int pq = g.P * g.Q;
        int mr = GemmKernels.WideMr;
        int blocks = GemmDriver.DepthBlocks(crs);
        bool halves = g.Q % Segment != 0;
        for (int k0 = 0; k0 < g.K; k0 += mr)
        {
            float* yTile = y + ((long)k0 * pq);
            for (int t = t0; t < t1; t += 2)
            {
                int u = t + 1 < t1 ? t + 1 : t;
                float* b0 = source + Origin(t, g.Q, wp);
                float* b1 = source + Origin(u, g.Q, wp);
                float* y0 = yTile + (t * Segment);
                float* y1 = yTile + (u * Segment);
                for (int block = 0; block < blocks; block++)
                {
                    GemmDriver.DepthBlock(crs, blocks, block, out int p0, out int kc);
                    float* aTile = a + ((long)p0 * g.K) + ((long)k0 * kc);
                    if (halves)
                    {
                        Kernel<HalfRows>(kc, aTile, offsets + p0, b0, b1, wp, y0, y1, pq, block > 0);
                    }
                    else
                    {
                        Kernel<FullRow>(kc, aTile, offsets + p0, b0, b1, wp, y0, y1, pq, block > 0);
                    }
                }
            }
        }
    }

    /// <summary>Offset in the padded image of the first input of segment t (output p = 16t / Q, q = 16t mod Q).</summary>
    private static int Origin(int t, int q, int wp)
    {
        int flat = t * Segment;
        int p = flat / q;
        return (p * wp) + (flat - (p * q));
    }

    /// <summary>8 output channels x two 16-output segments, summed over the depth in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TL>(
        int kc, float* a, int* offsets, float* b0p, float* b1p, int wp, float* y0, float* y1, int ldy, bool accumulate)
        where TL : struct, ISegmentLoad
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
        long ld = ldy;
        if (accumulate)
        {
            c00 = Vector512.Load(y0);
            c10 = Vector512.Load(y0 + ld);
            c20 = Vector512.Load(y0 + (2 * ld));
            c30 = Vector512.Load(y0 + (3 * ld));
            c40 = Vector512.Load(y0 + (4 * ld));
            c50 = Vector512.Load(y0 + (5 * ld));
            c60 = Vector512.Load(y0 + (6 * ld));
            c70 = Vector512.Load(y0 + (7 * ld));
            c01 = Vector512.Load(y1);
            c11 = Vector512.Load(y1 + ld);
            c21 = Vector512.Load(y1 + (2 * ld));
            c31 = Vector512.Load(y1 + (3 * ld));
            c41 = Vector512.Load(y1 + (4 * ld));
            c51 = Vector512.Load(y1 + (5 * ld));
            c61 = Vector512.Load(y1 + (6 * ld));
            c71 = Vector512.Load(y1 + (7 * ld));
        }

        for (int p = 0; p < kc; p++)
        {
            int off = offsets[p];
            Vector512<float> b0 = TL.Load(b0p + off, wp);
            Vector512<float> b1 = TL.Load(b1p + off, wp);
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
        }

        // y1 may equal y0 (an odd last segment): both stores then write the same values.
        c00.Store(y0);
        c10.Store(y0 + ld);
        c20.Store(y0 + (2 * ld));
        c30.Store(y0 + (3 * ld));
        c40.Store(y0 + (4 * ld));
        c50.Store(y0 + (5 * ld));
        c60.Store(y0 + (6 * ld));
        c70.Store(y0 + (7 * ld));
        c01.Store(y1);
        c11.Store(y1 + ld);
        c21.Store(y1 + (2 * ld));
        c31.Store(y1 + (3 * ld));
        c41.Store(y1 + (4 * ld));
        c51.Store(y1 + (5 * ld));
        c61.Store(y1 + (6 * ld));
        c71.Store(y1 + (7 * ld));
    }

    /// <summary>How a kernel loads the 16 inputs of one segment at one (c, r, s).</summary>
    private interface ISegmentLoad
    {
        /// <summary>The 16 inputs starting at <paramref name="p"/> (row pitch <paramref name="wp"/>).</summary>
        static abstract Vector512<float> Load(float* p, int wp);
    }

    /// <summary>Q a multiple of 16: a segment is 16 consecutive outputs of one row.</summary>
    private readonly struct FullRow : ISegmentLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* p, int wp) => Vector512.Load(p);
    }

    /// <summary>Q = 8: a segment is two consecutive output rows of 8.</summary>
    private readonly struct HalfRows : ISegmentLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* p, int wp) =>
            Vector512.Create(Vector256.Load(p), Vector256.Load(p + wp));
    }
}
