using ILGPU;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>Batch normalisation.</summary>
internal sealed partial class IlgpuOps
{
    /// <inheritdoc />
    public void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int planes = checked(n * c);
        using Tensor ws = Workspace(2 * planes);
        ArrayView<float> partial = ws.View.SubView(0, planes);
        ArrayView<float> squares = ws.View.SubView(planes, planes);
        int planeThreads = Threads(planes);
        var planeDims = new BatchNormDims(planes, planeThreads, n, c, plane, eps, 0f, 0f, 0);
        _kernels.Launch(BatchNormKernels.PlaneSums, planeThreads, x.View, partial, planeDims);
        _kernels.Launch(BatchNormKernels.PlaneCenteredSquares, planeThreads, x.View, partial, squares, planeDims);
        int channelThreads = Threads(c);
        _kernels.Launch(BatchNormKernels.StatisticsFinalize, channelThreads, partial, squares, mean.View, invStd.View,
            new BatchNormDims(c, channelThreads, n, c, plane, eps, 0f, 0f, 0));
    }

    /// <inheritdoc />
    public void BatchNormApply(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(BatchNormKernels.Apply, threads, x.View, mean.View, invStd.View, gamma.View, beta.View, y.View,
            new BatchNormDims(count, threads, n, c, plane, 0f, 0f, 0f, relu ? 1 : 0));
    }

    /// <inheritdoc />
    public void BatchNormUpdateRunning(
        Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count)
    {
        int c = Count(mean);
        float factor = count > 1 ? (float)(count / (count - 1.0)) : 1f;
        int threads = Threads(c);
        _kernels.Launch(BatchNormKernels.UpdateRunning, threads, mean.View, invStd.View, runningMean.View,
            runningVar.View, new BatchNormDims(c, threads, 1, c, 1, eps, momentum, factor, 0));
    }

    /// <inheritdoc />
    public void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd)
    {
        int c = Count(invStd);
        int threads = Threads(c);
        _kernels.Launch(BatchNormKernels.InvStd, threads, runningVar.View, invStd.View,
            new BatchNormDims(c, threads, 1, c, 1, eps, 0f, 0f, 0));
    }

    /// <inheritdoc />
    public void BatchNormBackward(
        Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int planes = checked(n * c);
        using Tensor ws = Workspace((2 * planes) + (2 * c));
        ArrayView<float> sums = ws.View.SubView(0, 2L * planes);
        ArrayView<float> channelSums = ws.View.SubView(2L * planes, 2L * c);
        int planeThreads = Threads(planes);
        _kernels.Launch(BatchNormKernels.BackwardPlaneSums, planeThreads, x.View, dy.View, mean.View, invStd.View, sums,
            new BatchNormDims(planes, planeThreads, n, c, plane, 0f, 0f, 0f, 0));
        int channelThreads = Threads(c);
        _kernels.Launch(BatchNormKernels.BackwardFinalize, channelThreads, sums, dgamma.View, dbeta.View, channelSums,
            new BatchNormDims(c, channelThreads, n, c, plane, 0f, 0f, 0f, 0));
        int count = Count(dx);
        int threads = Threads(count);
        _kernels.Launch(BatchNormKernels.BackwardInput, threads, x.View, dy.View, mean.View, invStd.View, gamma.View,
            channelSums, dx.View, new BatchNormDims(count, threads, n, c, plane, 0f, 0f, 0f, 0));
    }

    private static (int N, int C, int Plane) BatchNormShape(Tensor x)
    {
        int n = x.Shape[0];
        int c = x.Shape[1];
        return (n, c, checked((int)(x.ElementCount / ((long)n * c))));
    }
}
