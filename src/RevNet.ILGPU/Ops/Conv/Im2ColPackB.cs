using System.Runtime.CompilerServices;

namespace RevNet.ILGPU.Host;

/// <summary>
/// Implicit im2col as a B packer: B[(c, r, s), (p, q)] = x[c, p·sh + r, q·sw + s] read straight from an image that
/// is already zero-padded (so no bounds tests), written into the packed panels without an im2col matrix.
/// Output columns o = p·Q + q; the columns of one panel split into runs that stay within one output row, and
/// for stride 1 each run is a contiguous copy.
/// </summary>
internal readonly unsafe struct Im2ColPackB : IGemmPackB
{
    private readonly float* _x;
    private readonly int _plane;
    private readonly int _wp;
    private readonly int _r;
    private readonly int _s;
    private readonly int _sh;
    private readonly int _sw;
    private readonly int _q;

    /// <summary>Source image [C, hp, wp] (padding included) and the kernel/stride/output-width geometry.</summary>
    public Im2ColPackB(float* x, int hp, int wp, int r, int s, int strideH, int strideW, int q)
    {
        _x = x;
        _plane = hp * wp;
        _wp = wp;
        _r = r;
        _s = s;
        _sh = strideH;
        _sw = strideW;
        _q = q;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float* Pack(float* buffer, int p0, int kc, int j0, int nc, int nr)
    {
        int* segDst = stackalloc int[nr];
        int* segLen = stackalloc int[nr];
        int* segSrc = stackalloc int[nr];
        int rs = _r * _s;
        float* dst = buffer;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);

            // Runs of the panel's output columns that share an output row.
            int segments = 0;
            int o = j0 + jr;
            for (int t = 0; t < cols;)
            {
                int p = o / _q;
                int q = o - (p * _q);
                int len = Math.Min(cols - t, _q - q);
                segDst[segments] = t;
                segLen[segments] = len;
                segSrc[segments] = (p * _sh * _wp) + (q * _sw);
                segments++;
                t += len;
                o += len;
            }

            int ci = p0 / rs;
            int rem = p0 - (ci * rs);
            int ri = rem / _s;
            int si = rem - (ri * _s);
            for (int pk = 0; pk < kc; pk++)
            {
                float* src = _x + ((long)ci * _plane) + (ri * _wp) + si;
                float* d = dst + (pk * nr);
                if (_sw == 1)
                {
                    for (int g = 0; g < segments; g++)
                    {
                        GemmMemory.Copy(src + segSrc[g], d + segDst[g], segLen[g]);
                    }
                }
                else
                {
                    for (int g = 0; g < segments; g++)
                    {
                        GemmMemory.CopyStrided(src + segSrc[g], _sw, d + segDst[g], segLen[g]);
                    }
                }

                if (cols < nr)
                {
                    GemmMemory.Zero(d + cols, nr - cols);
                }

                if (++si == _s)
                {
                    si = 0;
                    if (++ri == _r)
                    {
                        ri = 0;
                        ci++;
                    }
                }
            }

            dst += kc * nr;
        }

        return buffer;
    }
}
