using RevNet.ILGPU.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RevNet.ILGPU.Host;

/// <summary>
/// The fully connected layer on the host GEMM (<see cref="HostGemm"/>).
/// </summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        int n = x.Shape[0];
        int outFeatures = w.Shape[0];
        int inFeatures = w.Shape[1];
        Span<float> ys = y.Span;
        ReadOnlySpan<float> bs = b.Span;
        for (int i = 0; i < n; i++)
        {
            bs.CopyTo(ys.Slice(i * outFeatures, outFeatures));
        }

        // y = x·wᵀ + y (y holds the broadcast bias).
        WithScratch(() => HostGemm.Sgemm(
            false, true, n, outFeatures, inFeatures, 1f, x.Span, inFeatures, w.Span, inFeatures, 1f, y.Span, outFeatures));
    }

    /// <inheritdoc />
    public void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        int n = x.Shape[0];
        int outFeatures = w.Shape[0];
        int inFeatures = w.Shape[1];
        WithScratch(() =>
        {
            if (dx is not null)
            {
                // dx[n, i] = Σ_o dy[n, o]·w[o, i]
                HostGemm.Sgemm(
                    false, false, n, inFeatures, outFeatures, 1f, dy.Span, outFeatures, w.Span, inFeatures, 0f, dx.Span,
                    inFeatures);
            }

            // dw[o, i] += Σ_n dy[n, o]·x[n, i]
            HostGemm.Sgemm(
                true, false, outFeatures, inFeatures, n, 1f, dy.Span, outFeatures, x.Span, inFeatures, 1f, dw.Span,
                inFeatures);
        });
        ReadOnlySpan<float> dys = dy.Span;

        // db[o] += Σ_n dy[n, o], rows added in order n = 0, 1, ... (each lane is its own fixed-order sum).
        using Tensor sum = Device.Pool.Rent(new Shape(outFeatures), MemoryCategory.Workspace);
        Span<float> acc = sum.Span;
        dys[..outFeatures].CopyTo(acc);
        for (int i = 1; i < n; i++)
        {
            TensorPrimitives.Add(acc, dys.Slice(i * outFeatures, outFeatures), acc);
        }

        TensorPrimitives.Add(db.Span, acc, db.Span);
    }
}
