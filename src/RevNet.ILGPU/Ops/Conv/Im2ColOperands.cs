using System.Runtime.CompilerServices;
using ILGPU;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The convolution input of sample n as the im2col matrix [C·R·S taps, P·Q pixels], gathered on the fly (zero in
/// the padding), never stored: the B operand of the implicit-GEMM forward (k = tap, outer = pixel).
/// </summary>
internal readonly struct Im2ColPixels(ArrayView<float> x, Conv2dGeometry g) : IGemmOperand
{
    private readonly ArrayView<float> _x = x;
    private readonly Conv2dGeometry _g = g;

    public bool ContiguousK => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k) => Im2ColGather.Element(_x, _g, item, k, outer);
}

/// <summary>
/// The same im2col matrix transposed, [P·Q pixels, C·R·S taps]: the B operand of the implicit-GEMM weight
/// gradient (k = pixel, outer = tap).
/// </summary>
internal readonly struct Im2ColTaps(ArrayView<float> x, Conv2dGeometry g) : IGemmOperand
{
    private readonly ArrayView<float> _x = x;
    private readonly Conv2dGeometry _g = g;

    public bool ContiguousK => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k) => Im2ColGather.Element(_x, _g, item, outer, k);
}

/// <summary>
/// The weights w [K, C, R, S] as the matrix [C, K·R·S] (row c, tap (k, r, s)): the A operand of the implicit-GEMM
/// input gradient.
/// </summary>
internal readonly struct WeightsByInputChannel(ArrayView<float> w, Conv2dGeometry g) : IGemmOperand
{
    private readonly ArrayView<float> _w = w;
    private readonly Conv2dGeometry _g = g;

    public bool ContiguousK => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k)
    {
        int taps = _g.R * _g.S;
        int kk = k / taps;
        return _w[(((kk * _g.C) + outer) * taps) + (k - (kk * taps))];
    }
}

/// <summary>
/// The output gradient of sample n as the matrix [K·R·S taps, H·W input pixels]: element ((k, r, s), (h, w)) is
/// dy[n, k, p, q] for the output (p, q) whose tap (r, s) lands on (h, w), or 0 when none does (padding, or a
/// position that a stride skips): the B operand of the implicit-GEMM input gradient.
/// </summary>
internal readonly struct OutputGradientPixels(ArrayView<float> dy, Conv2dGeometry g) : IGemmOperand
{
    private readonly ArrayView<float> _dy = dy;
    private readonly Conv2dGeometry _g = g;

    public bool ContiguousK => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k)
    {
        Conv2dGeometry g = _g;
        int taps = g.R * g.S;
        int kk = k / taps;
        int rs = k - (kk * taps);
        int r = rs / g.S;
        int s = rs - (r * g.S);
        int h = outer / g.W;
        int w = outer - (h * g.W);
        int ph = h + g.PadH - r;
        int pw = w + g.PadW - s;
        int p = ph / g.StrideH;
        int q = pw / g.StrideW;
        bool inside = ph >= 0 && pw >= 0 && p * g.StrideH == ph && q * g.StrideW == pw && p < g.P && q < g.Q;
        return inside ? _dy[(((((item * g.K) + kk) * g.P) + p) * g.Q) + q] : 0f;
    }
}

/// <summary>The im2col element of both operands.</summary>
internal static class Im2ColGather
{
    /// <summary>x[n, c, p·sh + r − ph, q·sw + s − pw] for tap (c, r, s) and pixel (p, q); 0 in the padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Element(ArrayView<float> x, Conv2dGeometry g, int n, int tap, int pixel)
    {
        int taps = g.R * g.S;
        int c = tap / taps;
        int rs = tap - (c * taps);
        int r = rs / g.S;
        int s = rs - (r * g.S);
        int p = pixel / g.Q;
        int q = pixel - (p * g.Q);
        int h = (p * g.StrideH) + r - g.PadH;
        int w = (q * g.StrideW) + s - g.PadW;
        return h >= 0 && h < g.H && w >= 0 && w < g.W ? x[(((((n * g.C) + c) * g.H) + h) * g.W) + w] : 0f;
    }
}
