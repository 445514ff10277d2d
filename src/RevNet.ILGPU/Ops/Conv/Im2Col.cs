using System.Runtime.CompilerServices;

namespace RevNet.ILGPU.Host;

/// <summary>Layout helpers of the host convolution: zero padding, col2im, and the output-gradient transpose.</summary>
internal static unsafe class Im2Col
{
    /// <summary>dst [C, H + 2·padH, W + 2·padW] = x [C, H, W] with a zero border.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pad(float* x, float* dst, int c, int h, int w, int padH, int padW)
    {
        int wp = w + (2 * padW);
        int hp = h + (2 * padH);
        for (int ch = 0; ch < c; ch++)
        {
            float* src = x + ((long)ch * h * w);
            float* plane = dst + ((long)ch * hp * wp);
            GemmMemory.Zero(plane, padH * wp);
            for (int row = 0; row < h; row++)
            {
                float* d = plane + ((long)(row + padH) * wp);
                GemmMemory.Zero(d, padW);
                GemmMemory.Copy(src + ((long)row * w), d + padW, w);
                GemmMemory.Zero(d + padW + w, padW);
            }

            GemmMemory.Zero(plane + ((long)(h + padH) * wp), padH * wp);
        }
    }

    /// <summary>
    /// dst [cols, ld] = srcᵀ for src [rows, cols]; columns rows..ld of dst are zeroed (ld ≥ rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* src, int rows, int cols, float* dst, int ld)
    {
        int rows8 = rows & ~7;
        int cols8 = cols & ~7;
        for (int o = 0; o < cols8; o += 8)
        {
            for (int k = 0; k < rows8; k += 8)
            {
                GemmMemory.Transpose8x8(src + ((long)k * cols) + o, cols, dst + ((long)o * ld) + k, ld);
            }
        }

        for (int k = rows8; k < rows; k++)
        {
            float* s = src + ((long)k * cols);
            for (int o = 0; o < cols8; o++)
            {
                dst[((long)o * ld) + k] = s[o];
            }
        }

        for (int o = cols8; o < cols; o++)
        {
            float* d = dst + ((long)o * ld);
            for (int k = 0; k < rows; k++)
            {
                d[k] = src[((long)k * cols) + o];
            }
        }

        for (int o = 0; o < cols; o++)
        {
            GemmMemory.Zero(dst + ((long)o * ld) + rows, ld - rows);
        }
    }

    /// <summary>
    /// dx [C, H, W] = col2im(col [C·R·S, P·Q]): dx is zeroed, then each column entry is added to the input pixel
    /// it was read from, in (c, r, s, p, q) order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im(
        float* col, float* dx, int c, int h, int w, int r, int s, int p, int q,
        int strideH, int strideW, int padH, int padW)
    {
        GemmMemory.Zero(dx, c * h * w);
        for (int ch = 0; ch < c; ch++)
        {
            float* plane = dx + ((long)ch * h * w);
            for (int kr = 0; kr < r; kr++)
            {
                for (int ks = 0; ks < s; ks++)
                {
                    float* row = col + ((long)(((ch * r) + kr) * s + ks) * p * q);
                    for (int op = 0; op < p; op++)
                    {
                        int ih = (op * strideH) + kr - padH;
                        if ((uint)ih >= (uint)h)
                        {
                            continue;
                        }

                        float* drow = plane + ((long)ih * w);
                        float* srow = row + ((long)op * q);
                        for (int oq = 0; oq < q; oq++)
                        {
                            int iw = (oq * strideW) + ks - padW;
                            if ((uint)iw < (uint)w)
                            {
                                drow[iw] += srow[oq];
                            }
                        }
                    }
                }
            }
        }
    }
}
