using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The ILGPU backend (Cuda, OpenCL and the IlgpuCpu simulator): launches the kernels of this folder on one
/// accelerator's default stream. Each kernel is loaded once, on first use, and its delegate cached. Every kernel
/// is a grid-stride loop launched with at most <see cref="Accelerator.MaxNumThreads"/> threads, so the CPU
/// simulator runs a handful of long-lived threads instead of one per element. Nothing synchronizes except
/// the loss (which reads its per-row losses back).
/// </summary>
/// <remarks>
/// Every kernel method carries <c>[MethodImpl(MethodImplOptions.AggressiveOptimization)]</c>: the CPU simulator
/// calls the kernel's own IL, and without the attribute .NET runs the first ~30 launches of each kernel as
/// unoptimized tier-0 code (measured 6–14 ms instead of 0.5–0.9 ms for a small conv weight gradient). GPU backends
/// ignore the flag.
/// </remarks>
internal sealed class IlgpuOps : ITensorOps, IDisposable
{
    private readonly int _maxThreads;

    private Action<Index1D, ArrayView<float>, ElementwiseArgs>? _fill;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>? _add;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>? _subtract;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs>? _axpy;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs>? _reluForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>? _reluBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ChannelCopyDims>? _copyChannels;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims>? _avgPoolForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims>? _avgPoolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims>? _globalPoolForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims>? _globalPoolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>? _convForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>? _convBackwardInput;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>? _convBackwardWeight;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>? _convWeightPartial;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, Conv2dDims>? _convWeightReduce;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, BatchNormDims>? _bnPlaneSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>? _bnPlaneSquares;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>?
        _bnStatsFinalize;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BatchNormDims>? _bnApply;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>?
        _bnUpdateRunning;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, BatchNormDims>? _bnInvStd;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        BatchNormDims>? _bnBackwardPlaneSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>?
        _bnBackwardFinalize;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BatchNormDims>? _bnBackwardInput;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>?
        _linearForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>? _linearBackwardInput;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>?
        _linearBackwardWeight;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, LossDims>? _softmaxCe;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>? _sgd;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>?
        _adam;

    private MemoryBuffer1D<float, Stride1D.Dense>? _workspace;
    private MemoryBuffer1D<int, Stride1D.Dense>? _labels;
    private MemoryBuffer1D<float, Stride1D.Dense>? _rowLoss;
    private float[] _rowLossHost = [];
    private bool _disposed;

    /// <summary>Creates the backend for one accelerator; kernels are loaded on first use.</summary>
    /// <param name="device">The device that owns this backend.</param>
    /// <param name="accelerator">The ILGPU accelerator (owned by <paramref name="device"/>).</param>
    public IlgpuOps(ComputeDevice device, Accelerator accelerator)
    {
        Device = device;
        Accelerator = accelerator;
        _maxThreads = (int)Math.Max(1, Math.Min(accelerator.MaxNumThreads, 1L << 20));
    }

    /// <summary>
    /// The simulated device of <see cref="DeviceKind.IlgpuCpu"/>: one multiprocessor with one warp of four threads.
    /// The simulator runs one OS thread per simulated thread and a barrier per group; with grid-stride kernels a
    /// few threads with long loops cost far less than many short ones (measured on 2 cores: 2 or 4 threads run the
    /// small conv at ~0.65 GFLOP/s, 16 threads at ~0.25).
    /// </summary>
    public static CPUDevice SimulatorDevice { get; } =
        new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 1, numMultiprocessors: 1);

    /// <summary>The device that owns this backend.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The accelerator every kernel runs on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Releases the cached workspace, label and loss buffers (kernels die with the accelerator).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _workspace?.Dispose();
        _labels?.Dispose();
        _rowLoss?.Dispose();
    }

    /// <inheritdoc />
    public void Fill(Tensor y, float value)
    {
        int count = Count(y);
        if (count > 0)
        {
            _fill ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ElementwiseArgs>(
                ElementwiseKernels.Fill);
            int threads = Threads(count);
            _fill(threads, y.View, new ElementwiseArgs(count, threads, value));
        }
    }

    /// <inheritdoc />
    public void Copy(Tensor src, Tensor dst)
    {
        if (!ReferenceEquals(src, dst) && src.ElementCount > 0)
        {
            src.View.CopyTo(dst.View);
        }
    }

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y)
    {
        int count = Count(y);
        _add ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>(ElementwiseKernels.Add);
        int threads = Threads(count);
        _add(threads, a.View, b.View, y.View, new ElementwiseArgs(count, threads, 0f));
    }

    /// <inheritdoc />
    public void Subtract(Tensor a, Tensor b, Tensor y)
    {
        int count = Count(y);
        _subtract ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>(
            ElementwiseKernels.Subtract);
        int threads = Threads(count);
        _subtract(threads, a.View, b.View, y.View, new ElementwiseArgs(count, threads, 0f));
    }

    /// <inheritdoc />
    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        int count = Count(y);
        _axpy ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs>(
            ElementwiseKernels.Axpy);
        int threads = Threads(count);
        _axpy(threads, x.View, y.View, new ElementwiseArgs(count, threads, alpha));
    }

    /// <inheritdoc />
    public void ReluForward(Tensor x, Tensor y)
    {
        int count = Count(y);
        _reluForward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs>(ElementwiseKernels.ReluForward);
        int threads = Threads(count);
        _reluForward(threads, x.View, y.View, new ElementwiseArgs(count, threads, 0f));
    }

    /// <inheritdoc />
    public void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        int count = Count(dx);
        _reluBackward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs>(
            ElementwiseKernels.ReluBackward);
        int threads = Threads(count);
        _reluBackward(threads, y.View, dy.View, dx.View, new ElementwiseArgs(count, threads, 0f));
    }

    /// <inheritdoc />
    public void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        int n = src.Shape[0];
        int plane = src.Shape[2] * src.Shape[3];
        int total = checked(n * count * plane);
        if (total == 0)
        {
            return;
        }

        _copyChannels ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ChannelCopyDims>(ChannelKernels.Copy);
        int threads = Threads(total);
        _copyChannels(
            threads,
            src.View,
            dst.View,
            new ChannelCopyDims(total, threads, plane, count, src.Shape[1], srcOffset, dst.Shape[1], dstOffset));
    }

    /// <inheritdoc />
    public void AvgPool2x2Forward(Tensor x, Tensor y)
    {
        int count = Count(y);
        _avgPoolForward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, PoolDims>(PoolingKernels.AvgPool2x2Forward);
        int threads = Threads(count);
        _avgPoolForward(threads, x.View, y.View, new PoolDims(count, threads, x.Shape[2], x.Shape[3]));
    }

    /// <inheritdoc />
    public void AvgPool2x2Backward(Tensor dy, Tensor dx)
    {
        int count = Count(dx);
        _avgPoolBackward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, PoolDims>(PoolingKernels.AvgPool2x2Backward);
        int threads = Threads(count);
        _avgPoolBackward(threads, dy.View, dx.View, new PoolDims(count, threads, dx.Shape[2], dx.Shape[3]));
    }

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor x, Tensor y)
    {
        int planes = x.Shape[0] * x.Shape[1];
        _globalPoolForward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, PoolDims>(PoolingKernels.GlobalAvgPoolForward);
        int threads = Threads(planes);
        _globalPoolForward(threads, x.View, y.View, new PoolDims(planes, threads, x.Shape[2], x.Shape[3]));
    }

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor dy, Tensor dx)
    {
        int count = Count(dx);
        _globalPoolBackward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, PoolDims>(PoolingKernels.GlobalAvgPoolBackward);
        int threads = Threads(count);
        _globalPoolBackward(threads, dy.View, dx.View, new PoolDims(count, threads, dx.Shape[2], dx.Shape[3]));
    }

    /// <inheritdoc />
    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g)
    {
        int count = Count(y);
        _convForward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>(Conv2dKernels.Forward);
        int threads = Threads(count);
        _convForward(threads, x.View, w.View, y.View, new Conv2dDims(count, threads, g));
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g)
    {
        int count = Count(dx);
        _convBackwardInput ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>(Conv2dKernels.BackwardInput);
        int threads = Threads(count);
        _convBackwardInput(threads, dy.View, w.View, dx.View, new Conv2dDims(count, threads, g));
    }

    /// <inheritdoc />
    /// <remarks>
    /// With a batch of more than one sample the sum is split into batch chunks (a partial-sum pass with one
    /// thread per (chunk, weight), then a reduce pass adding the chunks in order), so a GPU gets enough threads.
    /// The chunk count depends only on the geometry, so the bits do not depend on the device's size.
    /// </remarks>
    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g)
    {
        int weights = Count(dw);
        int chunks = WeightGradientChunks(g, weights);
        if (chunks == 1)
        {
            _convBackwardWeight ??= Accelerator.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>(
                Conv2dKernels.BackwardWeight);
            int threads = Threads(weights);
            _convBackwardWeight(threads, x.View, dy.View, dw.View, new Conv2dDims(weights, threads, g));
            return;
        }

        _convWeightPartial ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>(
            Conv2dKernels.BackwardWeightPartial);
        _convWeightReduce ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, Conv2dDims>(Conv2dKernels.BackwardWeightReduce);
        int items = chunks * weights;
        ArrayView<float> partial = Workspace(items);
        int partialThreads = Threads(items);
        _convWeightPartial(
            partialThreads, x.View, dy.View, partial, new Conv2dDims(items, partialThreads, g, chunks));
        int reduceThreads = Threads(weights);
        _convWeightReduce(reduceThreads, partial, dw.View, new Conv2dDims(weights, reduceThreads, g, chunks));
    }

    /// <inheritdoc />
    public void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int planes = checked(n * c);
        ArrayView<float> ws = Workspace(2L * planes);
        ArrayView<float> partial = ws.SubView(0, planes);
        ArrayView<float> squares = ws.SubView(planes, planes);

        _bnPlaneSums ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, BatchNormDims>(BatchNormKernels.PlaneSums);
        _bnPlaneSquares ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>(
            BatchNormKernels.PlaneCenteredSquares);
        _bnStatsFinalize ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>(
            BatchNormKernels.StatisticsFinalize);

        int planeThreads = Threads(planes);
        var planeDims = new BatchNormDims(planes, planeThreads, n, c, plane, eps, 0f, 0f, 0);
        _bnPlaneSums(planeThreads, x.View, partial, planeDims);
        _bnPlaneSquares(planeThreads, x.View, partial, squares, planeDims);
        int channelThreads = Threads(c);
        _bnStatsFinalize(
            channelThreads,
            partial,
            squares,
            mean.View,
            invStd.View,
            new BatchNormDims(c, channelThreads, n, c, plane, eps, 0f, 0f, 0));
    }

    /// <inheritdoc />
    public void BatchNormApply(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int count = Count(y);
        _bnApply ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, BatchNormDims>(BatchNormKernels.Apply);
        int threads = Threads(count);
        _bnApply(
            threads,
            x.View,
            mean.View,
            invStd.View,
            gamma.View,
            beta.View,
            y.View,
            new BatchNormDims(count, threads, n, c, plane, 0f, 0f, 0f, relu ? 1 : 0));
    }

    /// <inheritdoc />
    public void BatchNormUpdateRunning(
        Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count)
    {
        int c = Count(mean);
        float factor = count > 1 ? (float)(count / (count - 1.0)) : 1f;
        _bnUpdateRunning ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>(
            BatchNormKernels.UpdateRunning);
        int threads = Threads(c);
        _bnUpdateRunning(
            threads,
            mean.View,
            invStd.View,
            runningMean.View,
            runningVar.View,
            new BatchNormDims(c, threads, 1, c, 1, eps, momentum, factor, 0));
    }

    /// <inheritdoc />
    public void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd)
    {
        int c = Count(invStd);
        _bnInvStd ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, BatchNormDims>(BatchNormKernels.InvStd);
        int threads = Threads(c);
        _bnInvStd(threads, runningVar.View, invStd.View, new BatchNormDims(c, threads, 1, c, 1, eps, 0f, 0f, 0));
    }

    /// <inheritdoc />
    public void BatchNormBackward(
        Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta)
    {
        (int n, int c, int plane) = BatchNormShape(x);
        int planes = checked(n * c);
        ArrayView<float> ws = Workspace((2L * planes) + (2L * c));
        ArrayView<float> sums = ws.SubView(0, 2L * planes);
        ArrayView<float> channelSums = ws.SubView(2L * planes, 2L * c);

        _bnBackwardPlaneSums ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            BatchNormDims>(BatchNormKernels.BackwardPlaneSums);
        _bnBackwardFinalize ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormDims>(
            BatchNormKernels.BackwardFinalize);
        _bnBackwardInput ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, BatchNormDims>(BatchNormKernels.BackwardInput);

        int planeThreads = Threads(planes);
        _bnBackwardPlaneSums(
            planeThreads,
            x.View,
            dy.View,
            mean.View,
            invStd.View,
            sums,
            new BatchNormDims(planes, planeThreads, n, c, plane, 0f, 0f, 0f, 0));
        int channelThreads = Threads(c);
        _bnBackwardFinalize(
            channelThreads,
            sums,
            dgamma.View,
            dbeta.View,
            channelSums,
            new BatchNormDims(c, channelThreads, n, c, plane, 0f, 0f, 0f, 0));
        int count = Count(dx);
        int threads = Threads(count);
        _bnBackwardInput(
            threads,
            x.View,
            dy.View,
            mean.View,
            invStd.View,
            gamma.View,
            channelSums,
            dx.View,
            new BatchNormDims(count, threads, n, c, plane, 0f, 0f, 0f, 0));
    }

    /// <inheritdoc />
    public void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        (int n, int inFeatures, int outFeatures) = LinearShape(x, w);
        int count = Count(y);
        _linearForward ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>(
            LinearKernels.Forward);
        int threads = Threads(count);
        _linearForward(
            threads, x.View, w.View, b.View, y.View, new LinearDims(count, threads, n, inFeatures, outFeatures));
    }

    /// <inheritdoc />
    public void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        (int n, int inFeatures, int outFeatures) = LinearShape(x, w);
        if (dx is not null)
        {
            int inputs = checked(n * inFeatures);
            _linearBackwardInput ??= Accelerator.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>(LinearKernels.BackwardInput);
            int inputThreads = Threads(inputs);
            _linearBackwardInput(
                inputThreads,
                w.View,
                dy.View,
                dx.View,
                new LinearDims(inputs, inputThreads, n, inFeatures, outFeatures));
        }

        int items = checked((outFeatures * inFeatures) + outFeatures);
        _linearBackwardWeight ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LinearDims>(
            LinearKernels.BackwardWeight);
        int threads = Threads(items);
        _linearBackwardWeight(
            threads, x.View, dy.View, dw.View, db.View, new LinearDims(items, threads, n, inFeatures, outFeatures));
    }

    /// <inheritdoc />
    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits)
    {
        int n = logits.Shape[0];
        int k = logits.Shape[1];
        if (_labels is null || _labels.Length < n)
        {
            Accelerator.Synchronize();
            _labels?.Dispose();
            _rowLoss?.Dispose();
            _labels = Accelerator.Allocate1D<int>(n);
            _rowLoss = Accelerator.Allocate1D<float>(n);
            _rowLossHost = new float[n];
        }

        ArrayView<int> labelView = _labels.View.SubView(0, n);
        ArrayView<float> lossView = _rowLoss!.View.SubView(0, n);
        labelView.CopyFromCPU(labels);
        _softmaxCe ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, LossDims>(
            LossKernels.SoftmaxCrossEntropy);
        int threads = Threads(n);
        _softmaxCe(threads, logits.View, labelView, dlogits.View, lossView, new LossDims(n, threads, k, 1f / n));
        Accelerator.Synchronize();
        Span<float> rows = _rowLossHost.AsSpan(0, n);
        lossView.CopyToCPU(rows);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            total += rows[i];
        }

        return (float)(total / n);
    }

    /// <inheritdoc />
    public void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        int count = Count(w);
        _sgd ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>(OptimizerKernels.Sgd);
        int threads = Threads(count);
        _sgd(
            threads,
            g.View,
            w.View,
            velocity.View,
            new OptimizerArgs(count, threads, lr, momentum, 0f, 0f, weightDecay, nesterov ? 1 : 0, 0f, 1f));
    }

    /// <inheritdoc />
    public void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step)
    {
        int count = Count(w);
        double bias1 = 1.0 - Math.Pow(beta1, step);
        double bias2 = 1.0 - Math.Pow(beta2, step);
        _adam ??= Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>(
            OptimizerKernels.Adam);
        int threads = Threads(count);
        _adam(
            threads,
            g.View,
            w.View,
            m.View,
            v.View,
            new OptimizerArgs(
                count, threads, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, (float)(lr / bias1),
                (float)Math.Sqrt(bias2)));
    }

    private static int Count(Tensor t) => checked((int)t.ElementCount);

    /// <summary>
    /// Batch chunks for the split conv weight gradient: as many as the batch allows while the partial sums stay
    /// within 4M floats (16 MB) of workspace, and while each chunk still sums at least 256 products per weight.
    /// </summary>
    private static int WeightGradientChunks(Conv2dGeometry g, int weights)
    {
        const int MaxPartials = 1 << 22;
        const int MinProductsPerChunk = 256;
        int byMemory = Math.Max(1, MaxPartials / weights);
        int byWork = Math.Max(1, (g.N * g.P * g.Q) / MinProductsPerChunk);
        return Math.Min(g.N, Math.Min(byMemory, byWork));
    }

    private static (int N, int C, int Plane) BatchNormShape(Tensor x)
    {
        int n = x.Shape[0];
        int c = x.Shape[1];
        return (n, c, checked((int)(x.ElementCount / ((long)n * c))));
    }

    private static (int N, int In, int Out) LinearShape(Tensor x, Tensor w)
    {
        int n = x.Shape[0];
        return (n, w.Shape[1], w.Shape[0]);
    }

    /// <summary>Threads for a grid-stride launch over <paramref name="count"/> items (at least 1).</summary>
    private int Threads(int count) => Math.Max(1, Math.Min(count, _maxThreads));

    /// <summary>A scratch view of at least <paramref name="length"/> floats; grows, after a sync, if too small.
    /// </summary>
    private ArrayView<float> Workspace(long length)
    {
        if (_workspace is null || _workspace.Length < length)
        {
            long size = Math.Max(length, _workspace is null ? 0 : _workspace.Length * 2);
            Accelerator.Synchronize();
            _workspace?.Dispose();
            _workspace = Accelerator.Allocate1D<float>(size);
        }

        return _workspace.View.SubView(0, length);
    }
}
