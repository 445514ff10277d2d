using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Host;

/// <summary>Convolution: thin wrappers over <see cref="HostConv2d"/>, with the GEMM scratch leased from the pool.</summary>
internal sealed partial class HostOps
{
    /// <inheritdoc />
    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g) =>
        WithScratch(() => HostConv2d.Forward(x.Span, w.Span, y.Span, g));

    /// <inheritdoc />
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g) =>
        WithScratch(() => HostConv2d.BackwardInput(dy.Span, w.Span, dx.Span, g));

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g) =>
        WithScratch(() => HostConv2d.BackwardWeight(x.Span, dy.Span, dw.Span, g));
}
