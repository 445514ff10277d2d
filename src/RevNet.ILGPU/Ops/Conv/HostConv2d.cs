using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Host;

/// <summary>2-D convolution on the CPU (NCHW, cross-correlation, zero padding, no bias), built on the host GEMM.</summary>
/// <remarks>
/// <para>Forward: per image y[n] (K x PQ) = W (K x CRS) · col[n] (CRS x PQ). W is packed once per call; col is
/// never stored: <see cref="Im2ColPackB"/> packs its panels straight from the zero-padded image (a 1x1, stride-1,
/// unpadded convolution packs x itself). Stride-1 layers with Q a multiple of 16, or Q = 8 (the narrow CIFAR
/// layers), skip the packing: <see cref="DirectConv"/> reads B in place from the padded image. Work items are
/// (image, column range) pairs spread over the cores.</para>
/// <para>Backward-input, stride 1 and pad ≤ kernel − 1: a forward convolution of dy with the flipped, transposed
/// weights W'[c, k, R−1−r, S−1−s] and padding (R−1−padH, S−1−padW), so it runs as fast as the forward and needs no
/// col2im. Otherwise: col = Wᵀ·dy[n] by GEMM, then col2im (dx overwritten).</para>
/// <para>Backward-weight: dW[k, (c,r,s)] += Σ_n Σ_(p,q) dy[n,k,p,q]·xpad[n,c,p·sh+r,q·sw+s] computed transposed,
/// with k along the vector lanes: A rows are read in place from the padded images (one pointer per (c,r,s)),
/// B is dy[n] transposed to [PQ, K]. Each gradient entry is one FMA chain over n, p, q in that order, then added
/// to dW once, so the result does not depend on the thread count or scheduling.</para>
/// </remarks>
internal static unsafe class HostConv2d
{
    /// <summary>Below this many multiply-adds a convolution runs on the calling thread.</summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>Work items per core in the weight gradient (more items balance better on a busy machine).</summary>
    private const int ChunksPerThread = 4;

    /// <summary>Floats of padded images and transposed gradients the weight gradient stages at once.</summary>
    private const long WeightGradientStaging = 4L << 20;

    /// <summary>y = conv(x, w); y overwritten.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Conv2dGeometry g) =>
        Forward(GemmDriver.DefaultWide, x, w, y, g);

    /// <summary>dx = ∂L/∂x given dy; dx overwritten.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Conv2dGeometry g) =>
        BackwardInput(GemmDriver.DefaultWide, dy, w, dx, g);

    /// <summary>dw += ∂L/∂w given x and dy (accumulates).</summary>
    public static void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Conv2dGeometry g) =>
        BackwardWeight(GemmDriver.DefaultWide, x, dy, dw, g);

    /// <summary>Forward with a chosen kernel family (tests run both).</summary>
    internal static void Forward(bool wide, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, Conv2dGeometry g)
    {
        int crs = g.C * g.R * g.S;
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* py = y)
        {
            float* packed = GemmScratch.Current.Get(GemmSlot.SharedA, GemmDriver.PrepackedSizeA(wide, g.K, crs));
            PrepackedA a = GemmDriver.PrepackA(wide, new MatrixPackA(pw, crs, trans: false), g.K, crs, packed);
            ForwardImages(wide, px, a, py, g);
        }
    }

    /// <summary>Backward-input with a chosen kernel family (tests run both).</summary>
    internal static void BackwardInput(
        bool wide, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Conv2dGeometry g)
    {
        int crs = g.C * g.R * g.S;
        fixed (float* pdy = dy)
        fixed (float* pw = w)
        fixed (float* pdx = dx)
        {
            GemmScratch scratch = GemmScratch.Current;
            if (g.StrideH == 1 && g.StrideW == 1 && g.PadH <= g.R - 1 && g.PadW <= g.S - 1)
            {
                // Transposed convolution of stride 1 = forward convolution with flipped, transposed weights.
                int krs = g.K * g.R * g.S;
                float* flipped = scratch.Get(GemmSlot.FlippedWeights, (long)g.C * krs);
                FlipWeights(pw, flipped, g);
                var gt = new Conv2dGeometry(g.N, g.K, g.P, g.Q, g.C, g.R, g.S, 1, 1, g.R - 1 - g.PadH, g.S - 1 - g.PadW);
                float* packed = scratch.Get(GemmSlot.SharedA, GemmDriver.PrepackedSizeA(wide, g.C, krs));
                PrepackedA a = GemmDriver.PrepackA(wide, new MatrixPackA(flipped, krs, trans: false), g.C, krs, packed);
                ForwardImages(wide, pdy, a, pdx, gt);
                return;
            }

            // General: col = Wᵀ·dy[n] (CRS x PQ), then col2im into dx[n].
            float* packedT = scratch.Get(GemmSlot.SharedA, GemmDriver.PrepackedSizeA(wide, crs, g.K));
            PrepackedA wt = GemmDriver.PrepackA(wide, new MatrixPackA(pw, crs, trans: true), crs, g.K, packedT);
            int pq = g.P * g.Q;
            nint dyAddress = (nint)pdy;
            nint dxAddress = (nint)pdx;
            Conv2dGeometry geo = g;
            ForEach(g.N, g.ForwardFlops, image =>
            {
                GemmScratch s = GemmScratch.Current;
                float* col = s.Get(GemmSlot.Column, (long)crs * pq);
                float* dyn = (float*)dyAddress + ((long)image * geo.K * pq);
                var packB = new MatrixPackB(dyn, pq, trans: false);
                GemmDriver.Run(wide, wt, packB, 0, crs, 0, pq, geo.K, 1f, 0f, col, pq, s);
                float* dxn = (float*)dxAddress + ((long)image * geo.C * geo.H * geo.W);
                Im2Col.Col2Im(
                    col, dxn, geo.C, geo.H, geo.W, geo.R, geo.S, geo.P, geo.Q,
                    geo.StrideH, geo.StrideW, geo.PadH, geo.PadW);
            });
        }
    }

    /// <summary>Backward-weight with a chosen kernel family (tests run both).</summary>
    internal static void BackwardWeight(
        bool wide, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Conv2dGeometry g)
    {
        int crs = g.C * g.R * g.S;
        int pq = g.P * g.Q;
        int mr = GemmDriver.Mr(wide);
        int kUnit = wide ? 16 : GemmKernels.PortableNr;
        int kp = GemmDriver.RoundUp(g.K, kUnit);
        bool padded = g.PadH > 0 || g.PadW > 0;
        int hp = g.H + (2 * g.PadH);
        int wp = g.W + (2 * g.PadW);
        long imageFloats = padded ? (long)g.C * hp * wp : 0;
        long gradFloats = (long)pq * kp;
        int group = (int)Math.Clamp(WeightGradientStaging / (imageFloats + gradFloats), 1, g.N);
        int blocks = (crs + mr - 1) / mr;

        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdw = dw)
        {
            GemmScratch scratch = GemmScratch.Current;
            float* acc = scratch.Get(GemmSlot.Accumulator, (long)blocks * mr * kp);
            GemmMemory.Zero(acc, blocks * mr * kp);
            float* staging = scratch.Get(GemmSlot.SharedImages, group * (imageFloats + gradFloats));
            float* images = staging;
            float* grads = staging + (group * imageFloats);
            nint xAddress = (nint)px;
            nint dyAddress = (nint)pdy;
            nint imagesAddress = (nint)images;
            nint gradsAddress = (nint)grads;
            nint accAddress = (nint)acc;
            Conv2dGeometry geo = g;
            double flopsPerImage = g.ForwardFlops / g.N;
            int threads = g.ForwardFlops / 2 < ParallelThreshold ? 1 : Environment.ProcessorCount;
            int parts = Math.Min(ChunksPerThread * threads, blocks);
            for (int n0 = 0; n0 < g.N; n0 += group)
            {
                int count = Math.Min(group, g.N - n0);
                int first = n0;

                // Stage: pad the images and transpose the output gradients of this group.
                ForEach(count, flopsPerImage * count, i =>
                {
                    int image = first + i;
                    float* xn = (float*)xAddress + ((long)image * geo.C * geo.H * geo.W);
                    if (padded)
                    {
                        Im2Col.Pad(xn, (float*)imagesAddress + (i * imageFloats), geo.C, geo.H, geo.W, geo.PadH, geo.PadW);
                    }

                    float* dyn = (float*)dyAddress + ((long)image * geo.K * pq);
                    Im2Col.Transpose(dyn, geo.K, pq, (float*)gradsAddress + (i * gradFloats), kp);
                });

                // Accumulate: each part owns a range of (c, r, s) row blocks for all k.
                Action<int> body = part =>
                {
                    int b0 = (int)((long)blocks * part / parts);
                    int b1 = (int)((long)blocks * (part + 1) / parts);
                    float** rows = stackalloc float*[GemmKernels.WideMr];
                    for (int i = 0; i < count; i++)
                    {
                        float* image = padded
                            ? (float*)imagesAddress + (i * imageFloats)
                            : (float*)xAddress + ((long)(first + i) * geo.C * geo.H * geo.W);
                        float* gradT = (float*)gradsAddress + (i * gradFloats);
                        for (int block = b0; block < b1; block++)
                        {
                            for (int r = 0; r < mr; r++)
                            {
                                int j = Math.Min((block * mr) + r, crs - 1);
                                rows[r] = image + RowOffset(j, geo, hp, wp);
                            }

                            float* accBlock = (float*)accAddress + ((long)block * mr * kp);
                            WeightTile(wide, rows, gradT, kp, geo, wp, accBlock);
                        }
                    }
                };

                if (parts <= 1)
                {
                    body(0);
                }
                else
                {
                    Parallel.For(0, parts, HostOps.Workers, body);
                }
            }

            // dW[k, j] += acc[j, k], once per entry.
            for (int k = 0; k < g.K; k++)
            {
                float* dwRow = pdw + ((long)k * crs);
                for (int j = 0; j < crs; j++)
                {
                    dwRow[j] += acc[((long)j * kp) + k];
                }
            }
        }
    }

    /// <summary>Runs the forward GEMM for every image with prepacked weights A [K, CRS] (K = g.K rows).</summary>
    private static void ForwardImages(bool wide, float* x, PrepackedA a, float* y, Conv2dGeometry g)
    {
        int crs = g.C * g.R * g.S;
        int pq = g.P * g.Q;
        int nr = GemmDriver.Nr(wide);
        int panels = (pq + nr - 1) / nr;
        bool pointwise = g.R == 1 && g.S == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;
        bool padded = g.PadH > 0 || g.PadW > 0;
        bool direct = !pointwise && DirectConv.Applies(wide, g);
        int threads = g.ForwardFlops / 2 < ParallelThreshold ? 1 : Environment.ProcessorCount;
        int chunks = threads == 1 ? 1 : Math.Clamp(((2 * threads) + g.N - 1) / g.N, 1, panels);
        nint xAddress = (nint)x;
        nint yAddress = (nint)y;
        Conv2dGeometry geo = g;
        Action<int> body = item =>
        {
            int image = item / chunks;
            int chunk = item - (image * chunks);
            int j0 = (int)((long)panels * chunk / chunks) * nr;
            int j1 = Math.Min(pq, (int)((long)panels * (chunk + 1) / chunks) * nr);
            GemmScratch s = GemmScratch.Current;
            float* xn = (float*)xAddress + ((long)image * geo.C * geo.H * geo.W);
            float* yn = (float*)yAddress + ((long)image * geo.K * pq);
            if (pointwise)
            {
                var packB = new MatrixPackB(xn, pq, trans: false);
                GemmDriver.Run(wide, a, packB, 0, geo.K, j0, j1, crs, 1f, 0f, yn, pq, s);
                return;
            }

            int hp = geo.H;
            int wp = geo.W;
            float* source = xn;
            if (padded)
            {
                hp += 2 * geo.PadH;
                wp += 2 * geo.PadW;
                source = s.Get(GemmSlot.Image, (long)geo.C * hp * wp);
                Im2Col.Pad(xn, source, geo.C, geo.H, geo.W, geo.PadH, geo.PadW);
            }

            if (direct)
            {
                // Segments of 16 outputs; j0 and j1 are multiples of 16 (NR = 32 and PQ = P·Q, Q % 16 = 0).
                float* aData = a.Pack(null, 0, geo.K, 0, crs, GemmKernels.WideMr);
                DirectConv.Run(aData, source, hp, wp, geo, yn, j0 / DirectConv.Segment, j1 / DirectConv.Segment);
                return;
            }

            var im2col = new Im2ColPackB(source, hp, wp, geo.R, geo.S, geo.StrideH, geo.StrideW, geo.Q);
            GemmDriver.Run(wide, a, im2col, 0, geo.K, j0, j1, crs, 1f, 0f, yn, pq, s);
        };

        int items = g.N * chunks;
        if (threads == 1 || items == 1)
        {
            for (int item = 0; item < items; item++)
            {
                body(item);
            }
        }
        else
        {
            Parallel.For(0, items, HostOps.Workers, body);
        }
    }

    /// <summary>One row block of the weight gradient for one image, over all k panels.</summary>
    private static void WeightTile(bool wide, float** rows, float* gradT, int kp, Conv2dGeometry g, int wp, float* acc)
    {
        int rowStep = g.StrideH * wp;
        if (!wide)
        {
            int width = GemmKernels.PortableNr;
            for (int k0 = 0; k0 < kp; k0 += width)
            {
                GemmKernels.RowsPortable(rows, gradT + k0, kp, g.P, g.Q, rowStep, g.StrideW, acc + k0, kp);
            }

            return;
        }

        int k = 0;
        for (; k + 32 <= kp; k += 32)
        {
            GemmKernels.Rows512x32(rows, gradT + k, kp, g.P, g.Q, rowStep, g.StrideW, acc + k, kp);
        }

        if (k < kp)
        {
            GemmKernels.Rows512x16(rows, gradT + k, kp, g.P, g.Q, rowStep, g.StrideW, acc + k, kp);
        }
    }

    /// <summary>Offset of x[c, r, s] in a [C, hp, wp] image for the im2col row j = (c·R + r)·S + s.</summary>
    private static long RowOffset(int j, Conv2dGeometry g, int hp, int wp)
    {
        int rs = g.R * g.S;
        int c = j / rs;
        int rem = j - (c * rs);
        int r = rem / g.S;
        int s = rem - (r * g.S);
        return ((long)c * hp * wp) + ((long)r * wp) + s;
    }

    /// <summary>flipped[c, k, r, s] = w[k, c, R−1−r, S−1−s].</summary>
    private static void FlipWeights(float* w, float* flipped, Conv2dGeometry g)
    {
        int rs = g.R * g.S;
        for (int k = 0; k < g.K; k++)
        {
            for (int c = 0; c < g.C; c++)
            {
                float* src = w + ((((long)k * g.C) + c) * rs);
                float* dst = flipped + ((((long)c * g.K) + k) * rs);
                for (int i = 0; i < rs; i++)
                {
                    dst[i] = src[rs - 1 - i];
                }
            }
        }
    }

    /// <summary>Runs body(0..count) on the cores when the work is large, else in order on this thread.</summary>
    private static void ForEach(int count, double flops, Action<int> body)
    {
        if (count <= 1 || flops / 2 < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            Parallel.For(0, count, HostOps.Workers, body);
        }
    }
}
