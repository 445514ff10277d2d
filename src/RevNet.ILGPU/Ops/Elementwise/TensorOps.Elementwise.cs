using System.Runtime.CompilerServices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>Elementwise ops, the coupling grid ops and channel copies.</summary>
public static partial class TensorOps
{
    /// <summary>Sets every element of <paramref name="y"/> to <paramref name="value"/>.</summary>
    public static void Fill(Tensor y, float value)
    {
        ArgumentNullException.ThrowIfNull(y);
        using OpScope op = Op(nameof(Fill), y);
        op.Ops.Fill(y, value);
    }

    /// <summary>dst = src.</summary>
    /// <exception cref="ArgumentException">Element counts differ.</exception>
    public static void Copy(Tensor src, Tensor dst)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        SameCount(src, dst, nameof(dst));
        using OpScope op = Op(nameof(Copy), src, dst);
        op.Ops.Copy(src, dst);
    }

    /// <summary>y = a + b; y may alias a or b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Add(Tensor a, Tensor b, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Add), a, b, y);
        op.Ops.Add(a, b, y);
    }

    /// <summary>y = a − b; y may alias a or b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Subtract(Tensor a, Tensor b, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Subtract), a, b, y);
        op.Ops.Subtract(a, b, y);
    }

    /// <summary>y = a ⊙ b (elementwise product); y may alias a or b. Backward: da = dy ⊙ b, db = dy ⊙ a.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Multiply(Tensor a, Tensor b, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Multiply), a, b, y);
        op.Ops.Multiply(a, b, y);
    }

    /// <summary>y = a / b (elementwise); y may alias a or b. Backward: da = dy / b, db = −dy ⊙ y / b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Divide(Tensor a, Tensor b, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Divide), a, b, y);
        op.Ops.Divide(a, b, y);
    }

    /// <summary>y = alpha·x + beta (elementwise, one rounding on Host); y may alias x. For y += alpha·x use
    /// <see cref="Axpy"/>.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">alpha or beta is not finite.</exception>
    public static void ScaleAdd(Tensor x, float alpha, float beta, Tensor y)
    {
        Finite(alpha, nameof(alpha));
        Finite(beta, nameof(beta));
        using OpScope op = Elementwise(nameof(ScaleAdd), x, x, y);
        op.Ops.ScaleAdd(x, alpha, beta, y);
    }

    /// <summary>y = exp(x); y may alias x. Backward: dx = dy ⊙ y (<see cref="Multiply"/>).</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Exp(Tensor x, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Exp), x, x, y);
        op.Ops.Exp(x, y);
    }

    /// <summary>y = σ(x) = 1 / (1 + exp(−x)); y may alias x. Backward: <see cref="SigmoidBackward"/>.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Sigmoid(Tensor x, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Sigmoid), x, x, y);
        op.Ops.Sigmoid(x, y);
    }

    /// <summary>dx = dy ⊙ y ⊙ (1 − y), where y is the output of <see cref="Sigmoid"/>; dx may alias y or dy.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void SigmoidBackward(Tensor y, Tensor dy, Tensor dx)
    {
        using OpScope op = Elementwise(nameof(SigmoidBackward), y, dy, dx);
        op.Ops.SigmoidBackward(y, dy, dx);
    }

    /// <summary>
    /// The coupling add, fused: y = x + sign·⌊branch⌉, where ⌊v⌉ rounds v to the nearest multiple of
    /// <paramref name="gridStep"/> (ties to even) when gridStep &gt; 0, and is v itself when gridStep = 0. y may alias
    /// x or branch; branch is not modified.
    /// </summary>
    /// <remarks>
    /// The rounding is fl(fl(v + m) − m) with m = 1.5·2^23·gridStep, the same bits as rounding branch first and then
    /// adding or subtracting; it is exact while |v| &lt; 2^22·gridStep and degrades to ordinary float rounding
    /// beyond. While x lies on the grid and |x ± ⌊branch⌉| stays below 2^24·gridStep, the add is exact too, so the
    /// inverse coupling (sign −1 with the same branch) gives x back bit for bit.
    /// </remarks>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">sign is not ±1, or gridStep is neither 0 nor a power of
    /// two.</exception>
    public static void CouplingAdd(Tensor x, Tensor branch, float sign, float gridStep, Tensor y)
    {
        if (sign is not (1f or -1f))
        {
            throw new ArgumentOutOfRangeException(nameof(sign), sign, $"Invalid sign: {sign}; expected 1 or -1.");
        }

        using OpScope op = Elementwise(nameof(CouplingAdd), x, branch, y);
        if (gridStep == 0f)
        {
            if (sign > 0f)
            {
                op.Ops.Add(x, branch, y);
            }
            else
            {
                op.Ops.Subtract(x, branch, y);
            }

            return;
        }

        op.Ops.GridAdd(x, branch, sign, GridMagic(gridStep, nameof(gridStep)), y);
    }

    /// <summary>
    /// y = ⌊x⌉: x rounded to the nearest multiple of <paramref name="step"/> (a power of two; ties to even), with the
    /// same bits as <see cref="CouplingAdd"/>'s rounding. y may alias x.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">step is not a positive power of two.</exception>
    public static void GridRound(Tensor x, float step, Tensor y)
    {
        float magic = GridMagic(step, nameof(step));
        using OpScope op = Elementwise(nameof(GridRound), x, x, y);
        op.Ops.GridAdd(null, x, 1f, magic, y);
    }

    /// <summary>y += alpha·x.</summary>
    public static void Axpy(float alpha, Tensor x, Tensor y)
    {
        using OpScope op = Elementwise(nameof(Axpy), x, y, y);
        op.Ops.Axpy(alpha, x, y);
    }

    /// <summary>y = max(x, 0); y may alias x.</summary>
    public static void ReluForward(Tensor x, Tensor y)
    {
        using OpScope op = Elementwise(nameof(ReluForward), x, x, y);
        op.Ops.ReluForward(x, y);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0 where y is ReLU's output; dx may alias dy.</summary>
    public static void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        using OpScope op = Elementwise(nameof(ReluBackward), y, dy, dx);
        op.Ops.ReluBackward(y, dy, dx);
    }

    /// <summary>Copies <paramref name="count"/> channels from src (starting at srcOffset) to dst (at dstOffset).</summary>
    /// <exception cref="ArgumentException">Not 4-D, batch or spatial sizes differ, or a range is out of bounds.</exception>
    public static void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        Rank4(src, nameof(src));
        Rank4(dst, nameof(dst));
        CheckChannelCompatible(src, dst, nameof(dst));

        if (count < 0 || srcOffset < 0 || dstOffset < 0 || srcOffset + count > src.Shape[1] || dstOffset + count > dst.Shape[1])
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), $"Channel range out of bounds: src {src.Shape} at {srcOffset}, dst {dst.Shape} at {dstOffset}, count {count}.");
        }

        long bytes = 2L * OpScope.Bytes(src) / src.Shape[1] * count;
        using OpScope op = new(Device(src, dst), nameof(CopyChannels), bytes);
        if (count > 0)
        {
            op.Ops.CopyChannels(src, srcOffset, dst, dstOffset, count);
        }
    }

    /// <summary>Splits x [N, C, H, W] into a [N, Ca, H, W] and b [N, C − Ca, H, W].</summary>
    public static void SplitChannels(Tensor x, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ChannelsAddUp(x, a, b);
        CopyChannels(x, 0, a, 0, a.Shape[1]);
        CopyChannels(x, a.Shape[1], b, 0, b.Shape[1]);
    }

    /// <summary>Concatenates a and b along channels into x (the inverse of <see cref="SplitChannels"/>).</summary>
    public static void ConcatChannels(Tensor a, Tensor b, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        ChannelsAddUp(x, a, b);
        CopyChannels(a, 0, x, 0, a.Shape[1]);
        CopyChannels(b, 0, x, a.Shape[1], b.Shape[1]);
    }

    /// <summary>
    /// Zero-pads channels (the paper's downsampling shortcut): y = 0 except y[:, before : before + Cx] = x.
    /// </summary>
    public static void PadChannels(Tensor x, Tensor y, int before)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Rank4(x, nameof(x));
        Rank4(y, nameof(y));
        if (before < 0 || before + x.Shape[1] > y.Shape[1])
        {
            throw new ArgumentOutOfRangeException(
                nameof(before), $"Padding offset {before} puts {x.Shape} outside {y.Shape}.");
        }

        CheckChannelCompatible(x, y, nameof(y));
        Fill(y, 0f);
        CopyChannels(x, 0, y, before, x.Shape[1]);
    }

    /// <summary>Backward of <see cref="PadChannels"/>: dx = dy[:, before : before + Cx].</summary>
    public static void PadChannelsBackward(Tensor dy, Tensor dx, int before) =>
        CopyChannels(dy, before, dx, 0, dx.Shape[1]);

    /// <summary>
    /// Checks an elementwise op's operands (non-null, one shape, one device) and opens the op's scope on their device:
    /// it reads a and b (once when they are the same tensor) and writes y.
    /// </summary>
    private static OpScope Elementwise(
        string op,
        Tensor a,
        Tensor b,
        Tensor y,
        [CallerArgumentExpression(nameof(a))] string aName = "",
        [CallerArgumentExpression(nameof(b))] string bName = "",
        [CallerArgumentExpression(nameof(y))] string yName = "")
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        ArgumentNullException.ThrowIfNull(y, yName);
        SameShape(a, b, bName);
        SameShape(a, y, yName);
        return new OpScope(Device(a, b, y), op, (ReferenceEquals(a, b) ? 2 : 3) * OpScope.Bytes(y));
    }

    /// <summary>The magic number 1.5·2^23·step of the grid rounding, checking that step is a power of two.</summary>
    private static float GridMagic(float step, string paramName)
    {
        float magic = 1.5f * 8388608f * step;
        if (!(step > 0f) || !float.IsPow2(step) || !float.IsNormal(step) || float.IsInfinity(magic))
        {
            throw new ArgumentOutOfRangeException(
                paramName, step, $"Invalid grid step: {step}; expected a power of two such as 2^-15 (or 0 for no grid).");
        }

        return magic;
    }

    private static void Finite(float value, string paramName)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {paramName}: {value}; expected a finite value.");
        }
    }

    private static void CheckChannelCompatible(Tensor src, Tensor dst, string paramName)
    {
        if (src.Shape[0] != dst.Shape[0] || src.Shape[2] != dst.Shape[2] || src.Shape[3] != dst.Shape[3])
        {
            throw new ArgumentException(
                $"Expected [{src.Shape[0]}, *, {src.Shape[2]}, {src.Shape[3]}], got {dst.Shape}.", paramName);
        }
    }

    private static void ChannelsAddUp(Tensor x, Tensor a, Tensor b)
    {
        Rank4(x, nameof(x));
        Rank4(a, nameof(a));
        Rank4(b, nameof(b));
        CheckChannelCompatible(x, a, nameof(a));
        CheckChannelCompatible(x, b, nameof(b));
        if (a.Shape[1] + b.Shape[1] != x.Shape[1])
        {
            throw new ArgumentException(
                $"Channel counts do not add up: {a.Shape} + {b.Shape} vs {x.Shape}.", nameof(b));
        }
    }
}
