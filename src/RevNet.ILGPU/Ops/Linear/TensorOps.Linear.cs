using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>The fully connected layer.</summary>
public static partial class TensorOps
{
    /// <summary>y = x·wᵀ + b: x [N, In] (any trailing dims flattened), w [Out, In], b [Out], y [N, Out].</summary>
    public static void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(y);
        LinearShapes(x, w, b, y, nameof(y));
        using OpScope op = Op(nameof(LinearForward), x, w, b, y);
        op.Ops.LinearForward(x, w, b, y);
    }

    /// <summary>dx = dy·w (overwritten, skipped when null); dw += dyᵀ·x and db += Σ dy (accumulate).</summary>
    public static void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dw);
        ArgumentNullException.ThrowIfNull(db);
        LinearShapes(x, w, db, dy, nameof(dy));
        SameShape(w, dw, nameof(dw));
        if (dx is not null)
        {
            SameCount(x, dx, nameof(dx));
        }

        using OpScope op = dx is null
            ? Op(nameof(LinearBackward), x, w, dy, dw, db)
            : Op(nameof(LinearBackward), x, w, dy, dw, db, dx);
        op.Ops.LinearBackward(x, w, dy, dx, dw, db);
    }

    private static void LinearShapes(Tensor x, Tensor w, Tensor b, Tensor y, string yName)
    {
        if (w.Shape.Rank != 2)
        {
            throw new ArgumentException($"Expected weight [Out, In], got {w.Shape}.", nameof(w));
        }

        int n = x.Shape[0];
        int inFeatures = w.Shape[1];
        int outFeatures = w.Shape[0];
        if (x.ElementCount != (long)n * inFeatures)
        {
            throw new ArgumentException($"Expected input [{n}, {inFeatures}], got {x.Shape}.", nameof(x));
        }

        Expect(b, new Shape(outFeatures), nameof(b));
        ExpectCount(y, (long)n * outFeatures, $"[{n}, {outFeatures}]", yName);
    }
}
