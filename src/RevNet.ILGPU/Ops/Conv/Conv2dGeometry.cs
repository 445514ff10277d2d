namespace RevNet.ILGPU.Ops;

/// <summary>
/// The dimensions of one 2-D convolution: input [N, C, H, W], weight [K, C, R, S], output [N, K, P, Q] with
/// P = (H + 2·PadH − R) / StrideH + 1 and Q = (W + 2·PadW − S) / StrideW + 1. A plain value type, usable in kernels.
/// </summary>
public readonly struct Conv2dGeometry : IEquatable<Conv2dGeometry>
{
    /// <summary>Creates the geometry and derives the output size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the
    /// kernel does not fit the padded input.</exception>
    public Conv2dGeometry(int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(c);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(h);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(w);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strideH);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strideW);
        ArgumentOutOfRangeException.ThrowIfNegative(padH);
        ArgumentOutOfRangeException.ThrowIfNegative(padW);
        if (h + (2 * padH) < r || w + (2 * padW) < s)
        {
            throw new ArgumentOutOfRangeException(
                nameof(r), $"Kernel {r}x{s} does not fit input {h}x{w} with padding {padH},{padW}.");
        }

        N = n;
        C = c;
        H = h;
        W = w;
        K = k;
        R = r;
        S = s;
        StrideH = strideH;
        StrideW = strideW;
        PadH = padH;
        PadW = padW;
        P = ((h + (2 * padH) - r) / strideH) + 1;
        Q = ((w + (2 * padW) - s) / strideW) + 1;
    }

    /// <summary>Batch size.</summary>
    public int N { get; }

    /// <summary>Input channels.</summary>
    public int C { get; }

    /// <summary>Input height.</summary>
    public int H { get; }

    /// <summary>Input width.</summary>
    public int W { get; }

    /// <summary>Output channels.</summary>
    public int K { get; }

    /// <summary>Kernel height.</summary>
    public int R { get; }

    /// <summary>Kernel width.</summary>
    public int S { get; }

    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }

    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }

    /// <summary>Zero padding above and below.</summary>
    public int PadH { get; }

    /// <summary>Zero padding left and right.</summary>
    public int PadW { get; }

    /// <summary>Output height.</summary>
    public int P { get; }

    /// <summary>Output width.</summary>
    public int Q { get; }

    /// <summary>Multiply-adds of the forward pass times two.</summary>
    public double ForwardFlops => 2.0 * N * K * P * Q * C * R * S;

    /// <summary>Compares every field.</summary>
    public static bool operator ==(Conv2dGeometry left, Conv2dGeometry right) => left.Equals(right);

    /// <summary>Compares every field.</summary>
    public static bool operator !=(Conv2dGeometry left, Conv2dGeometry right) => !left.Equals(right);

    /// <summary>A square-kernel convolution with equal strides and paddings.</summary>
    /// <returns>The geometry.</returns>
    public static Conv2dGeometry Create(int n, int c, int h, int w, int k, int kernel, int stride, int pad) =>
        new(n, c, h, w, k, kernel, kernel, stride, stride, pad, pad);

    /// <inheritdoc />
    public bool Equals(Conv2dGeometry other) =>
        N == other.N && C == other.C && H == other.H && W == other.W && K == other.K && R == other.R && S == other.S
        && StrideH == other.StrideH && StrideW == other.StrideW && PadH == other.PadH && PadW == other.PadW;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Conv2dGeometry g && Equals(g);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(N, C, H, W), HashCode.Combine(K, R, S), HashCode.Combine(StrideH, StrideW, PadH, PadW));

    /// <inheritdoc />
    public override string ToString() =>
        $"conv x[{N},{C},{H},{W}] w[{K},{C},{R},{S}] stride {StrideH}x{StrideW} pad {PadH}x{PadW} -> y[{N},{K},{P},{Q}]";
}
