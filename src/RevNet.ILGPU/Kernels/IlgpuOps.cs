using ILGPU;
using ILGPU.Runtime;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The ILGPU backend (Cuda, OpenCL and the IlgpuCpu simulator): launches the kernels of this folder on one
/// accelerator's default stream through a <see cref="KernelCache"/>. Every kernel is a grid-stride loop launched with
/// at most <see cref="Accelerator.MaxNumThreads"/> threads, so the CPU simulator runs a handful of long-lived threads
/// instead of one per element. Scratch (reduction partials, labels, per-row losses) is rented from the device's
/// <see cref="BufferPool"/> for one op and returned at its end: launches on the one stream run in order, so the next
/// op that rents the buffer writes it only after this op's kernels have read it. Nothing synchronizes except the
/// loss (which reads its per-row losses back).
/// </summary>
/// <remarks>
/// Every kernel method carries <c>[MethodImpl(MethodImplOptions.AggressiveOptimization)]</c>: the CPU simulator
/// calls the kernel's own IL, and without the attribute .NET runs the first ~30 launches of each kernel as
/// unoptimized tier-0 code (measured 6–14 ms instead of 0.5–0.9 ms for a small conv weight gradient). GPU backends
/// ignore the flag.
/// </remarks>
internal sealed class IlgpuOps : ITensorOps
{
    private readonly int _maxThreads;
    private readonly KernelCache _kernels;
    private float[] _rowLossHost = [];

    /// <summary>Creates the backend for one accelerator; kernels are loaded on first use.</summary>
    /// <param name="device">The device that owns this backend (its pool provides the scratch).</param>
    /// <param name="accelerator">The ILGPU accelerator (owned by <paramref name="device"/>).</param>
    public IlgpuOps(ComputeDevice device, Accelerator accelerator)
    {
        Device = device;
        _kernels = new KernelCache(accelerator);
        _maxThreads = (int)Math.Max(1, Math.Min(accelerator.MaxNumThreads, 1L << 20));
    }

    /// <summary>The device that owns this backend.</summary>
    public ComputeDevice Device { get; }

    /// <summary>How many kernels this backend has loaded so far.</summary>
    public int LoadedKernels => _kernels.Count;

    /// <inheritdoc />
    public void Fill(Tensor y, float value)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(ElementwiseKernels.Fill, threads, y.View, new ElementwiseArgs(count, threads, value));
    }

    /// <inheritdoc />
    public void Copy(Tensor src, Tensor dst)
    {
        if (!ReferenceEquals(src, dst))
        {
            src.View.CopyTo(dst.View);
        }
    }

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Add, a, b, y, 0f);

    /// <inheritdoc />
    public void Subtract(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Subtract, a, b, y, 0f);

    /// <inheritdoc />
    public void Axpy(float alpha, Tensor x, Tensor y) => Unary(ElementwiseKernels.Axpy, x, y, alpha);

    /// <inheritdoc />
    public void ReluForward(Tensor x, Tensor y) => Unary(ElementwiseKernels.ReluForward, x, y, 0f);

    /// <inheritdoc />
    public void ReluBackward(Tensor y, Tensor dy, Tensor dx) => Binary(ElementwiseKernels.ReluBackward, y, dy, dx, 0f);

    /// <inheritdoc />
    public void Multiply(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Multiply, a, b, y, 0f);

    /// <inheritdoc />
    public void Divide(Tensor a, Tensor b, Tensor y) => Binary(ElementwiseKernels.Divide, a, b, y, 0f);

    /// <inheritdoc />
    public void ScaleAdd(Tensor x, float alpha, float beta, Tensor y) =>
        Unary(ElementwiseKernels.ScaleAdd, x, y, alpha, beta);

    /// <inheritdoc />
    public void Exp(Tensor x, Tensor y) => Unary(ElementwiseKernels.Exp, x, y, 0f);

    /// <inheritdoc />
    public void Sigmoid(Tensor x, Tensor y) => Unary(ElementwiseKernels.Sigmoid, x, y, 0f);

    /// <inheritdoc />
    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) =>
        Binary(ElementwiseKernels.SigmoidBackward, y, dy, dx, 0f);

    /// <inheritdoc />
    public void GridAdd(Tensor? x, Tensor branch, float sign, float magic, Tensor y)
    {
        if (x is null)
        {
            Unary(ElementwiseKernels.GridRound, branch, y, sign, magic);
        }
        else
        {
            Binary(ElementwiseKernels.GridAdd, x, branch, y, sign, magic);
        }
    }

    /// <inheritdoc />
    public void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        int plane = src.Shape[2] * src.Shape[3];
        int total = checked(src.Shape[0] * count * plane);
        int threads = Threads(total);
        _kernels.Launch(ChannelKernels.Copy, threads, src.View, dst.View,
            new ChannelCopyDims(total, threads, plane, count, src.Shape[1], srcOffset, dst.Shape[1], dstOffset));
    }

    /// <inheritdoc />
    public void AvgPool2x2Forward(Tensor x, Tensor y) => Pool(PoolingKernels.AvgPool2x2Forward, x, y, Count(y), x);

    /// <inheritdoc />
    public void AvgPool2x2Backward(Tensor dy, Tensor dx) =>
        Pool(PoolingKernels.AvgPool2x2Backward, dy, dx, Count(dx), dx);

    /// <inheritdoc />
    public void GlobalAvgPoolForward(Tensor x, Tensor y) =>
        Pool(PoolingKernels.GlobalAvgPoolForward, x, y, x.Shape[0] * x.Shape[1], x);

    /// <inheritdoc />
    public void GlobalAvgPoolBackward(Tensor dy, Tensor dx) =>
        Pool(PoolingKernels.GlobalAvgPoolBackward, dy, dx, Count(dx), dx);

    /// <inheritdoc />
    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g) =>
        Conv(Conv2dKernels.Forward, x, w, y, g);

    /// <inheritdoc />
    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g) =>
        Conv(Conv2dKernels.BackwardInput, dy, w, dx, g);

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
            Conv(Conv2dKernels.BackwardWeight, x, dy, dw, g);
            return;
        }

        int items = chunks * weights;
        using Tensor partial = Workspace(items);
        int partialThreads = Threads(items);
        _kernels.Launch(Conv2dKernels.BackwardWeightPartial, partialThreads, x.View, dy.View, partial.View,
            new Conv2dDims(items, partialThreads, g, chunks));
        int reduceThreads = Threads(weights);
        _kernels.Launch(Conv2dKernels.BackwardWeightReduce, reduceThreads, partial.View, dw.View,
            new Conv2dDims(weights, reduceThreads, g, chunks));
    }

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

    /// <inheritdoc />
    public void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        int count = Count(w);
        int threads = Threads(count);
        _kernels.Launch(OptimizerKernels.Sgd, threads, g.View, w.View, velocity.View,
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
        int threads = Threads(count);
        _kernels.Launch(
            OptimizerKernels.Adam,
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

    /// <summary>The dims of a linear kernel: x [N, In], w [Out, In].</summary>
    private static LinearDims Linear(int count, int threads, Tensor x, Tensor w) =>
        new(count, threads, x.Shape[0], w.Shape[1], w.Shape[0]);

    /// <summary>Threads for a grid-stride launch over <paramref name="count"/> items (at least 1).</summary>
    private int Threads(int count) => Math.Max(1, Math.Min(count, _maxThreads));

    /// <summary>Scratch of <paramref name="length"/> floats from the pool (counted as workspace); dispose after use.</summary>
    private Tensor Workspace(int length) => Device.Pool.Rent(new Shape(length), MemoryCategory.Workspace);

    /// <summary>An elementwise kernel y = f(x) over the element count of y.</summary>
    private void Unary(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ElementwiseArgs> kernel, Tensor x, Tensor y, float scalar,
        float shift = 0f)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, x.View, y.View, new ElementwiseArgs(count, threads, scalar, shift));
    }

    /// <summary>An elementwise kernel y = f(a, b) over the element count of y.</summary>
    private void Binary(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ElementwiseArgs> kernel,
        Tensor a, Tensor b, Tensor y, float scalar, float shift = 0f)
    {
        int count = Count(y);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, a.View, b.View, y.View, new ElementwiseArgs(count, threads, scalar, shift));
    }

    /// <summary>A pooling kernel over <paramref name="count"/> items; the spatial size comes from the larger tensor.</summary>
    private void Pool(
        Action<Index1D, ArrayView<float>, ArrayView<float>, PoolDims> kernel, Tensor input, Tensor output, int count,
        Tensor spatial)
    {
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, input.View, output.View, new PoolDims(count, threads, spatial.Shape[2], spatial.Shape[3]));
    }

    /// <summary>A one-pass convolution kernel with one thread per element of its output <paramref name="c"/>.</summary>
    private void Conv(
        Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims> kernel,
        Tensor a, Tensor b, Tensor c, Conv2dGeometry g)
    {
        int count = Count(c);
        int threads = Threads(count);
        _kernels.Launch(kernel, threads, a.View, b.View, c.View, new Conv2dDims(count, threads, g));
    }
}
