using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>The fully connected layer.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(LinearKernels.Forward, threads, x.View, w.View, b.View, y.View, Linear(count, threads, x, w));
    }

    /// <inheritdoc />
    public void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        if (dx is not null)
        {
            int inputs = Count(x);
            int inputThreads = Threads(inputs);
            _kernels.Launch(
                LinearKernels.BackwardInput, inputThreads, w.View, dy.View, dx.View, Linear(inputs, inputThreads, x, w));
        }

        int items = checked(Count(w) + w.Shape[0]);
        int threads = Threads(items);
        _kernels.Launch(
            LinearKernels.BackwardWeight, threads, x.View, dy.View, dw.View, db.View, Linear(items, threads, x, w));
    }

    /// <summary>The dims of a linear kernel: x [N, In], w [Out, In].</summary>
    private static LinearDims Linear(int count, int threads, Tensor x, Tensor w) =>
        new(count, threads, x.Shape[0], w.Shape[1], w.Shape[0]);
}
