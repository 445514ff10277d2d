using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The fully connected layer: on the tiled SGEMM when <see cref="Tiled"/> is set, else on the simple kernels.
/// Both sum every output in the same order (batch or feature index ascending).
/// </summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        if (Tiled)
        {
            // y [N, Out] = x [N, In] · wᵀ (w stored [Out, In]) + b.
            (int n, int inF, int outF) = LinearSizes(x, w);
            TiledGemm(TiledGemmKernels.GemmNT, x.View, w.View, b.View, y.View,
                new GemmDims(n, outF, inF, inF, inF, outF, 0, 0, 0, 1, 1, 0f, 1));
            return;
        }

        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(LinearKernels.Forward, threads, x.View, w.View, b.View, y.View, Linear(count, threads, x, w));
    }

    /// <inheritdoc />
    public void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        if (Tiled)
        {
            TiledLinearBackward(x, w, dy, dx, dw, db);
            return;
        }

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

    private void TiledLinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        (int n, int inF, int outF) = LinearSizes(x, w);
        if (dx is not null)
        {
            // dx [N, In] = dy [N, Out] · w [Out, In].
            TiledGemm(TiledGemmKernels.GemmNN, dy.View, w.View, dx.View, dx.View,
                new GemmDims(n, inF, outF, outF, inF, inF, 0, 0, 0, 1, 1, 0f, 0));
        }

        // dw [Out, In] += dyᵀ (dy stored [N, Out]) · x [N, In].
        TiledGemm(TiledGemmKernels.GemmTN, dy.View, x.View, dw.View, dw.View,
            new GemmDims(outF, inF, n, outF, inF, inF, 0, 0, 0, 1, 1, 1f, 0));
        int threads = Threads(outF);
        _kernels.Launch(LinearKernels.BackwardBias, threads, dy.View, db.View, Linear(outF, threads, x, w));
    }

    private static (int N, int In, int Out) LinearSizes(Tensor x, Tensor w) => (x.Shape[0], w.Shape[1], w.Shape[0]);

    /// <summary>The dims of a linear kernel: x [N, In], w [Out, In].</summary>
    private static LinearDims Linear(int count, int threads, Tensor x, Tensor w) =>
        new(count, threads, x.Shape[0], w.Shape[1], w.Shape[0]);
}
