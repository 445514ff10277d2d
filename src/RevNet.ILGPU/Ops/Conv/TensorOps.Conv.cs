using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>2-D convolution.</summary>
public static partial class TensorOps
{
    /// <summary>The geometry of conv(x, w) with the given stride and padding, checking x and w.</summary>
    public static Conv2dGeometry ConvGeometry(Shape x, Shape w, int stride, int pad)
    {
        if (x.Rank != 4)
        {
            throw new ArgumentException($"Expected input [N, C, H, W], got {x}.", nameof(x));
        }

        if (w.Rank != 4 || w[1] != x[1])
        {
            throw new ArgumentException($"Expected weight [K, {x[1]}, R, S], got {w}.", nameof(w));
        }

        return new Conv2dGeometry(x[0], x[1], x[2], x[3], w[0], w[2], w[3], stride, stride, pad, pad);
    }

    /// <summary>y = conv(x, w) (no bias), for geometry g.</summary>
    public static void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(y);
        ConvShapes(g, x, nameof(x), w, nameof(w), y, nameof(y));
        using OpScope op = Op(nameof(Conv2dForward), x, w, y);
        op.Ops.Conv2dForward(x, w, y, g);
    }

    /// <summary>dx = gradient of conv w.r.t. its input (overwritten).</summary>
    public static void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dx);
        ConvShapes(g, dx, nameof(dx), w, nameof(w), dy, nameof(dy));
        using OpScope op = Op(nameof(Conv2dBackwardInput), dy, w, dx);
        op.Ops.Conv2dBackwardInput(dy, w, dx, g);
    }

    /// <summary>dw += gradient of conv w.r.t. its weight (accumulates).</summary>
    public static void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dw);
        ConvShapes(g, x, nameof(x), dw, nameof(dw), dy, nameof(dy));
        using OpScope op = Op(nameof(Conv2dBackwardWeight), x, dy, dw);
        op.Ops.Conv2dBackwardWeight(x, dy, dw, g);
    }

    private static void ConvShapes(Conv2dGeometry g, Tensor x, string xName, Tensor w, string wName, Tensor y, string yName)
    {
        Expect(x, new Shape(g.N, g.C, g.H, g.W), xName);
        Expect(w, new Shape(g.K, g.C, g.R, g.S), wName);
        Expect(y, new Shape(g.N, g.K, g.P, g.Q), yName);
    }
}
