using ILGPU;
using ILGPU.Runtime;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>The fused softmax cross-entropy loss.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits)
    {
        int n = logits.Shape[0];
        int k = logits.Shape[1];
        using Tensor ws = Workspace(2 * n);
        ArrayView<int> labelView = ws.View.SubView(0, n).Cast<int>();
        ArrayView<float> lossView = ws.View.SubView(n, n);
        labelView.CopyFromCPU(labels);
        int threads = Threads(n);
        _kernels.Launch(LossKernels.SoftmaxCrossEntropy, threads, logits.View, labelView, dlogits.View, lossView,
            new LossDims(n, threads, k, 1f / n));
        if (_rowLossHost.Length < n)
        {
            _rowLossHost = new float[n];
        }

        Span<float> rows = _rowLossHost.AsSpan(0, n);
        Device.Synchronize();
        lossView.CopyToCPU(rows);
        double total = 0;
        foreach (float row in rows)
        {
            total += row;
        }

        return (float)(total / n);
    }
}
