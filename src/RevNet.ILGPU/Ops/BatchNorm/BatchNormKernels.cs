using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Dimensions and scalars of a batch-norm kernel over x [N, C, Plane] (Plane = H·W, or 1 for [N, C]).
/// </summary>
/// <param name="Count">Work items (elements, channels, or (channel, sample) planes, depending on the kernel).</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="N">Batch size.</param>
/// <param name="C">Channels.</param>
/// <param name="Plane">Elements per (sample, channel) plane.</param>
/// <param name="Eps">The variance epsilon.</param>
/// <param name="Momentum">The running-statistics momentum (UpdateRunning only).</param>
/// <param name="Factor">The unbiasing factor count/(count − 1) (UpdateRunning only).</param>
/// <param name="Relu">1 to fuse a ReLU after the affine transform.</param>
internal readonly record struct BatchNormDims(
    int Count, int Stride, int N, int C, int Plane, float Eps, float Momentum, float Factor, int Relu);

/// <summary>
/// Batch normalisation. Channel sums use a fixed two-level order without atomics: first one thread per
/// (channel, sample) plane sums that plane into a workspace laid out [C, N], then one thread per channel adds its N
/// plane sums in sample order. The same inputs therefore give the same bits on every run.
/// </summary>
internal static class BatchNormKernels
{
    /// <summary>partial[c·N + n] = Σ x[n, c, :]; Count = C·N.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PlaneSums(Index1D index, ArrayView<float> x, ArrayView<float> partial, BatchNormDims d)
    {
        for (int j = index; j < d.Count; j += d.Stride)
        {
            int c = j / d.N;
            int n = j - (c * d.N);
            int start = ((n * d.C) + c) * d.Plane;
            float sum = 0f;
            for (int t = 0; t < d.Plane; t++)
            {
                sum += x[start + t];
            }

            partial[j] = sum;
        }
    }

    /// <summary>
    /// squares[c·N + n] = Σ (x[n, c, :] − mean[c])², with mean[c] recomputed from the plane sums in order;
    /// Count = C·N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PlaneCenteredSquares(
        Index1D index, ArrayView<float> x, ArrayView<float> partial, ArrayView<float> squares, BatchNormDims d)
    {
        for (int j = index; j < d.Count; j += d.Stride)
        {
            int c = j / d.N;
            int n = j - (c * d.N);
            float mean = ChannelSum(partial, c * d.N, d.N) / ((float)d.N * d.Plane);
            int start = ((n * d.C) + c) * d.Plane;
            float sum = 0f;
            for (int t = 0; t < d.Plane; t++)
            {
                float v = x[start + t] - mean;
                sum += v * v;
            }

            squares[j] = sum;
        }
    }

    /// <summary>mean[c] and invStd[c] = 1/sqrt(biased var + eps) from the plane sums; Count = C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StatisticsFinalize(
        Index1D index, ArrayView<float> partial, ArrayView<float> squares, ArrayView<float> mean,
        ArrayView<float> invStd, BatchNormDims d)
    {
        float m = (float)d.N * d.Plane;
        for (int c = index; c < d.Count; c += d.Stride)
        {
            mean[c] = ChannelSum(partial, c * d.N, d.N) / m;
            float variance = ChannelSum(squares, c * d.N, d.N) / m;
            invStd[c] = 1f / MathF.Sqrt(variance + d.Eps);
        }
    }

    /// <summary>y = gamma·(x − mean)·invStd + beta, then max(·, 0) when Relu is set; Count = N·C·H·W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(
        Index1D index, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> invStd, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, BatchNormDims d)
    {
        for (int i = index; i < d.Count; i += d.Stride)
        {
            int c = (i / d.Plane) % d.C;
            float v = (gamma[c] * ((x[i] - mean[c]) * invStd[c])) + beta[c];
            y[i] = d.Relu != 0 && v < 0f ? 0f : v;
        }
    }

    /// <summary>
    /// running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance
    /// (1/invStd² − eps)·Factor; Count = C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UpdateRunning(
        Index1D index, ArrayView<float> mean, ArrayView<float> invStd, ArrayView<float> runningMean,
        ArrayView<float> runningVar, BatchNormDims d)
    {
        float momentum = d.Momentum;
        float factor = d.Factor;
        for (int c = index; c < d.Count; c += d.Stride)
        {
            float s = invStd[c];
            float variance = ((1f / (s * s)) - d.Eps) * factor;
            runningMean[c] = ((1f - momentum) * runningMean[c]) + (momentum * mean[c]);
            runningVar[c] = ((1f - momentum) * runningVar[c]) + (momentum * variance);
        }
    }

    /// <summary>invStd[c] = 1/sqrt(runningVar[c] + eps); Count = C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InvStd(Index1D index, ArrayView<float> runningVar, ArrayView<float> invStd, BatchNormDims d)
    {
        for (int c = index; c < d.Count; c += d.Stride)
        {
            invStd[c] = 1f / MathF.Sqrt(runningVar[c] + d.Eps);
        }
    }

    /// <summary>
    /// Per (channel, sample) plane: sums[c·N + n] = Σ dy, sums[C·N + c·N + n] = Σ dy·xhat; Count = C·N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardPlaneSums(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> sums, BatchNormDims d)
    {
        int half = d.C * d.N;
        for (int j = index; j < d.Count; j += d.Stride)
        {
            int c = j / d.N;
            int n = j - (c * d.N);
            float mu = mean[c];
            float s = invStd[c];
            int start = ((n * d.C) + c) * d.Plane;
            float sumDy = 0f;
            float sumDyXhat = 0f;
            for (int t = 0; t < d.Plane; t++)
            {
                float g = dy[start + t];
                sumDy += g;
                sumDyXhat += g * ((x[start + t] - mu) * s);
            }

            sums[j] = sumDy;
            sums[half + j] = sumDyXhat;
        }
    }

    /// <summary>
    /// Per channel: adds the plane sums in sample order, accumulates dbeta += Σ dy and dgamma += Σ dy·xhat, and
    /// keeps both batch sums in channelSums [2, C] for the input gradient; Count = C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardFinalize(
        Index1D index, ArrayView<float> sums, ArrayView<float> dgamma, ArrayView<float> dbeta,
        ArrayView<float> channelSums, BatchNormDims d)
    {
        int half = d.C * d.N;
        for (int c = index; c < d.Count; c += d.Stride)
        {
            float sumDy = ChannelSum(sums, c * d.N, d.N);
            float sumDyXhat = ChannelSum(sums, half + (c * d.N), d.N);
            dbeta[c] += sumDy;
            dgamma[c] += sumDyXhat;
            channelSums[c] = sumDy;
            channelSums[d.C + c] = sumDyXhat;
        }
    }

    /// <summary>dx = gamma·invStd·(dy − Σdy/m − xhat·Σ(dy·xhat)/m), overwritten; Count = N·C·H·W.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> gamma, ArrayView<float> channelSums, ArrayView<float> dx, BatchNormDims d)
    {
        float invM = 1f / ((float)d.N * d.Plane);
        for (int i = index; i < d.Count; i += d.Stride)
        {
            int c = (i / d.Plane) % d.C;
            float s = invStd[c];
            float xhat = (x[i] - mean[c]) * s;
            float meanDy = channelSums[c] * invM;
            float meanDyXhat = channelSums[d.C + c] * invM;
            dx[i] = gamma[c] * s * (dy[i] - meanDy - (xhat * meanDyXhat));
        }
    }

    /// <summary>Σ values[start .. start + length) in index order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ChannelSum(ArrayView<float> values, int start, int length)
    {
        float sum = 0f;
        for (int i = 0; i < length; i++)
        {
            sum += values[start + i];
        }

        return sum;
    }
}
