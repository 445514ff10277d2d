using System.Runtime.CompilerServices;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Supplies the packed B block of depth [p0, p0 + kc) and columns [j0, j0 + nc) as consecutive NR-column panels,
/// each [kc][NR] with columns past the block zero-filled; panel j starts j·kc·NR floats after the returned pointer.
/// Implemented by structs so the driver is specialised per source.
/// </summary>
internal unsafe interface IGemmPackB
{
    /// <summary>Packs into <paramref name="buffer"/> (or returns prepacked data) and gives the block's start.</summary>
    float* Pack(float* buffer, int p0, int kc, int j0, int nc, int nr);
}

/// <summary>B from a row-major matrix: op(B)[p, j] = b[p·ldb + j], or b[j·ldb + p] when transposed.</summary>
internal readonly unsafe struct MatrixPackB : IGemmPackB
{
    private readonly float* _b;
    private readonly int _ldb;
    private readonly bool _trans;

    public MatrixPackB(float* b, int ldb, bool trans)
    {
        _b = b;
        _ldb = ldb;
        _trans = trans;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float* Pack(float* buffer, int p0, int kc, int j0, int nc, int nr)
    {
        float* dst = buffer;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            int j = j0 + jr;
            if (!_trans)
            {
                float* src = _b + ((long)p0 * _ldb) + j;
                for (int p = 0; p < kc; p++)
                {
                    float* d = dst + (p * nr);
                    GemmMemory.Copy(src, d, cols);
                    GemmMemory.Zero(d + cols, nr - cols);
                    src += _ldb;
                }
            }
            else
            {
                // Column t of the panel is a contiguous run of B's row (j + t): 8x8 block transposes where whole.
                int cols8 = cols & ~7;
                int kc8 = kc & ~7;
                for (int t = 0; t < cols8; t += 8)
                {
                    float* src = _b + ((long)(j + t) * _ldb) + p0;
                    for (int p = 0; p < kc8; p += 8)
                    {
                        GemmMemory.Transpose8x8(src + p, _ldb, dst + (p * nr) + t, nr);
                    }
                }

                for (int t = 0; t < cols; t++)
                {
                    float* src = _b + ((long)(j + t) * _ldb) + p0;
                    float* d = dst + t;
                    for (int p = t < cols8 ? kc8 : 0; p < kc; p++)
                    {
                        d[p * nr] = src[p];
                    }
                }

                for (int t = cols; t < nr; t++)
                {
                    float* d = dst + t;
                    for (int p = 0; p < kc; p++)
                    {
                        d[p * nr] = 0f;
                    }
                }
            }

            dst += kc * nr;
        }

        return buffer;
    }
}

/// <summary>
/// B that was packed once for the whole matrix by <see cref="GemmDriver.PrepackBBlock{TB}"/>: every k-block holds all
/// columns, so block (p0, j0) starts at p0·nPad + j0·kc (j0 a multiple of NR).
/// </summary>
internal readonly unsafe struct PrepackedB : IGemmPackB
{
    private readonly float* _data;
    private readonly int _nPad;

    public PrepackedB(float* data, int nPad)
    {
        _data = data;
        _nPad = nPad;
    }

    public float* Pack(float* buffer, int p0, int kc, int j0, int nc, int nr) =>
        _data + ((long)p0 * _nPad) + ((long)j0 * kc);
}
