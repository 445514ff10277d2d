using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Supplies the packed A block of rows [i0, i0 + mc) and depth [p0, p0 + kc) as consecutive MR-row panels, each
/// [kc][MR] with rows past the matrix zero-filled; panel r starts r·kc·MR floats after the returned pointer.
/// Implemented by structs so the driver is specialised per source and the call inlines.
/// </summary>
internal unsafe interface IGemmPackA
{
    /// <summary>Packs into <paramref name="buffer"/> (or returns prepacked data) and gives the block's start.</summary>
    float* Pack(float* buffer, int i0, int mc, int p0, int kc, int mr);
}

/// <summary>A from a row-major matrix: op(A)[i, p] = a[i·lda + p], or a[p·lda + i] when transposed.</summary>
internal readonly unsafe struct MatrixPackA : IGemmPackA
{
    private readonly float* _a;
    private readonly int _lda;
    private readonly bool _trans;

    public MatrixPackA(float* a, int lda, bool trans)
    {
        _a = a;
        _lda = lda;
        _trans = trans;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float* Pack(float* buffer, int i0, int mc, int p0, int kc, int mr)
    {
        float* dst = buffer;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            int i = i0 + ir;
            if (_trans)
            {
                // Row p of the panel is a contiguous run of A's row (p0 + p).
                float* src = _a + ((long)p0 * _lda) + i;
                if (rows == 8 && mr == 8)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        Vector256.Store(Vector256.Load(src), dst + (p * 8));
                        src += _lda;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* d = dst + (p * mr);
                        int r = 0;
                        for (; r < rows; r++)
                        {
                            d[r] = src[r];
                        }

                        for (; r < mr; r++)
                        {
                            d[r] = 0f;
                        }

                        src += _lda;
                    }
                }
            }
            else if (rows == 8 && mr == 8)
            {
                // 8x8 block transposes, then the k remainder one column at a time.
                float* src = _a + ((long)i * _lda) + p0;
                int kc8 = kc & ~7;
                for (int p = 0; p < kc8; p += 8)
                {
                    GemmMemory.Transpose8x8(src + p, _lda, dst + (p * 8), 8);
                }

                for (int p = kc8; p < kc; p++)
                {
                    for (int r = 0; r < 8; r++)
                    {
                        dst[(p * 8) + r] = src[((long)r * _lda) + p];
                    }
                }
            }
            else
            {
                // Interleave up to MR rows, each read contiguously along k.
                for (int r = 0; r < rows; r++)
                {
                    float* src = _a + ((long)(i + r) * _lda) + p0;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * mr] = src[p];
                    }
                }

                for (int r = rows; r < mr; r++)
                {
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * mr] = 0f;
                    }
                }
            }

            dst += kc * mr;
        }

        return buffer;
    }
}

/// <summary>
/// A that was packed once for the whole matrix by <see cref="GemmDriver.PrepackA{TA}"/>: every k-block holds all
/// rows, so block (p0, i0) starts at p0·mPad + i0·kc.
/// </summary>
internal readonly unsafe struct PrepackedA : IGemmPackA
{
    private readonly float* _data;
    private readonly int _mPad;

    public PrepackedA(float* data, int mPad)
    {
        _data = data;
        _mPad = mPad;
    }

    public float* Pack(float* buffer, int i0, int mc, int p0, int kc, int mr) =>
        _data + ((long)p0 * _mPad) + ((long)i0 * kc);
}
