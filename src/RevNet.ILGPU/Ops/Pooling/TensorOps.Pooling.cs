using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>2x2 average pooling and global average pooling.</summary>
public static partial class TensorOps
{
    /// <summary>2x2 average pooling with stride 2. H and W must be even.</summary>
    public static void AvgPool2x2Forward(Tensor x, Tensor y)
    {
        Pooled2x2(x, nameof(x), y, nameof(y));
        using OpScope op = Op(nameof(AvgPool2x2Forward), x, y);
        op.Ops.AvgPool2x2Forward(x, y);
    }

    /// <summary>Backward of 2x2 average pooling (dx overwritten).</summary>
    public static void AvgPool2x2Backward(Tensor dy, Tensor dx)
    {
        Pooled2x2(dx, nameof(dx), dy, nameof(dy));
        using OpScope op = Op(nameof(AvgPool2x2Backward), dy, dx);
        op.Ops.AvgPool2x2Backward(dy, dx);
    }

    /// <summary>Checks a full-size tensor [N, C, H, W] (H, W even) and its 2x2-pooled partner [N, C, H/2, W/2].</summary>
    private static void Pooled2x2(Tensor full, string fullName, Tensor half, string halfName)
    {
        ArgumentNullException.ThrowIfNull(full, fullName);
        ArgumentNullException.ThrowIfNull(half, halfName);
        Rank4(full, fullName);
        if (full.Shape[2] % 2 != 0 || full.Shape[3] % 2 != 0)
        {
            throw new ArgumentException($"2x2 average pooling needs even H and W, got {full.Shape}.", fullName);
        }

        Expect(half, new Shape(full.Shape[0], full.Shape[1], full.Shape[2] / 2, full.Shape[3] / 2), halfName);
    }

    /// <summary>Global average pooling x [N, C, H, W] → y [N, C].</summary>
    public static void GlobalAvgPoolForward(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Rank4(x, nameof(x));
        PooledShape(y, x.Shape[0], x.Shape[1], nameof(y));
        using OpScope op = Op(nameof(GlobalAvgPoolForward), x, y);
        op.Ops.GlobalAvgPoolForward(x, y);
    }

    /// <summary>Backward of global average pooling (dx overwritten).</summary>
    public static void GlobalAvgPoolBackward(Tensor dy, Tensor dx)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        Rank4(dx, nameof(dx));
        PooledShape(dy, dx.Shape[0], dx.Shape[1], nameof(dy));
        using OpScope op = Op(nameof(GlobalAvgPoolBackward), dy, dx);
        op.Ops.GlobalAvgPoolBackward(dy, dx);
    }

    private static void PooledShape(Tensor t, int n, int c, string paramName)
    {
        if (t.Shape != new Shape(n, c) && t.Shape != new Shape(n, c, 1, 1))
        {
            throw new ArgumentException($"Expected [{n}, {c}] or [{n}, {c}, 1, 1], got {t.Shape}.", paramName);
        }
    }
}
