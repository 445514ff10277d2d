using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RevNet.ILGPU.Host;

/// <summary>Short copies, fills and 8x8 transposes used by the packers (lengths are usually 8–32 floats).</summary>
internal static unsafe class GemmMemory
{
    /// <summary>dst[0..len) = src[0..len).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, float* dst, int len)
    {
        int t = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; t + 16 <= len; t += 16)
            {
                Vector512.Store(Vector512.Load(src + t), dst + t);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; t + 8 <= len; t += 8)
            {
                Vector256.Store(Vector256.Load(src + t), dst + t);
            }
        }

        for (; t < len; t++)
        {
            dst[t] = src[t];
        }
    }

    /// <summary>dst[t] = src[t·stride] for t &lt; len.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyStrided(float* src, int stride, float* dst, int len)
    {
        for (int t = 0; t < len; t++)
        {
            dst[t] = src[(long)t * stride];
        }
    }

    /// <summary>dst[0..len) = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zero(float* dst, int len)
    {
        for (int t = 0; t < len; t++)
        {
            dst[t] = 0f;
        }
    }

    /// <summary>
    /// dst[j·ldDst + i] = src[i·ldSrc + j] for i, j &lt; 8: an 8x8 block transpose (AVX unpack/shuffle/permute when
    /// available, else scalar).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(float* src, int ldSrc, float* dst, int ldDst)
    {
        if (!Avx.IsSupported)
        {
            for (int i = 0; i < 8; i++)
            {
                for (int j = 0; j < 8; j++)
                {
                    dst[((long)j * ldDst) + i] = src[((long)i * ldSrc) + j];
                }
            }

            return;
        }

        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = Avx.LoadVector256(src + ldSrc);
        Vector256<float> r2 = Avx.LoadVector256(src + (2 * (long)ldSrc));
        Vector256<float> r3 = Avx.LoadVector256(src + (3 * (long)ldSrc));
        Vector256<float> r4 = Avx.LoadVector256(src + (4 * (long)ldSrc));
        Vector256<float> r5 = Avx.LoadVector256(src + (5 * (long)ldSrc));
        Vector256<float> r6 = Avx.LoadVector256(src + (6 * (long)ldSrc));
        Vector256<float> r7 = Avx.LoadVector256(src + (7 * (long)ldSrc));

        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldDst, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * (long)ldDst), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * (long)ldDst), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * (long)ldDst), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * (long)ldDst), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * (long)ldDst), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * (long)ldDst), Avx.Permute2x128(u3, u7, 0x31));
    }
}
