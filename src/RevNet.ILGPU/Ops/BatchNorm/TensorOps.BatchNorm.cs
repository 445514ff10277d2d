using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>Batch normalisation.</summary>
public static partial class TensorOps
{
    /// <summary>Per-channel batch mean and inverse standard deviation of x [N, C, H, W].</summary>
    public static void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(invStd);
        Positive(eps, "eps", nameof(eps));
        int c = Channels(x);
        Vector(mean, c, nameof(mean));
        Vector(invStd, c, nameof(invStd));
        using OpScope op = Op(nameof(BatchNormStatistics), x, mean, invStd);
        op.Ops.BatchNormStatistics(x, mean, invStd, eps);
    }

    /// <summary>y = gamma·(x − mean)·invStd + beta per channel, optionally followed by ReLU.</summary>
    public static void BatchNormApply(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(invStd);
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(y);
        int c = Channels(x);
        Vector(mean, c, nameof(mean));
        Vector(invStd, c, nameof(invStd));
        Vector(gamma, c, nameof(gamma));
        Vector(beta, c, nameof(beta));
        SameShape(x, y, nameof(y));
        using OpScope op = Op(nameof(BatchNormApply), x, mean, invStd, gamma, beta, y);
        op.Ops.BatchNormApply(x, mean, invStd, gamma, beta, y, relu);
    }

    /// <summary>Updates running statistics from one batch's statistics (PyTorch's momentum convention).</summary>
    public static void BatchNormUpdateRunning(
        Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(invStd);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        if (!(momentum >= 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"Invalid momentum: {momentum}; expected [0, 1].");
        }

        if (count < 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), count, $"Invalid count: {count}; the unbiased variance needs at least 2 values per channel.");
        }

        Positive(eps, "eps", nameof(eps));
        int c = (int)mean.ElementCount;
        Vector(invStd, c, nameof(invStd));
        Vector(runningMean, c, nameof(runningMean));
        Vector(runningVar, c, nameof(runningVar));
        using OpScope op = Op(nameof(BatchNormUpdateRunning), mean, invStd, runningMean, runningVar);
        op.Ops.BatchNormUpdateRunning(
            mean, invStd, runningMean, runningVar, momentum, eps, count);
    }

    /// <summary>invStd = 1/sqrt(runningVar + eps).</summary>
    public static void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd)
    {
        ArgumentNullException.ThrowIfNull(runningVar);
        ArgumentNullException.ThrowIfNull(invStd);
        Positive(eps, "eps", nameof(eps));
        SameCount(runningVar, invStd, nameof(invStd));
        using OpScope op = Op(nameof(BatchNormInvStd), runningVar, invStd);
        op.Ops.BatchNormInvStd(runningVar, eps, invStd);
    }

    /// <summary>Training-mode batch-norm backward: dx overwritten, dgamma and dbeta accumulate.</summary>
    public static void BatchNormBackward(
        Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(invStd);
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentNullException.ThrowIfNull(dgamma);
        ArgumentNullException.ThrowIfNull(dbeta);
        int c = Channels(x);
        SameShape(x, dy, nameof(dy));
        SameShape(x, dx, nameof(dx));
        Vector(mean, c, nameof(mean));
        Vector(invStd, c, nameof(invStd));
        Vector(gamma, c, nameof(gamma));
        Vector(dgamma, c, nameof(dgamma));
        Vector(dbeta, c, nameof(dbeta));
        using OpScope op = Op(nameof(BatchNormBackward), x, dy, mean, invStd, gamma, dx, dgamma, dbeta);
        op.Ops.BatchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta);
    }
}
