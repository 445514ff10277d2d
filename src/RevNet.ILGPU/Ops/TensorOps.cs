using System.Runtime.CompilerServices;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>
/// The public, checked entry to every op: validates shapes, devices and disposal, then runs the op on the
/// tensors' device. Semantics (what is overwritten, what accumulates) are documented on each method.
/// </summary>
public static class TensorOps
{
    /// <summary>Sets every element of <paramref name="y"/> to <paramref name="value"/>.</summary>
    public static void Fill(Tensor y, float value)
    {
        ArgumentNullException.ThrowIfNull(y);
        Device(y).Ops.Fill(y, value);
    }

    /// <summary>dst = src.</summary>
    /// <exception cref="ArgumentException">Element counts differ.</exception>
    public static void Copy(Tensor src, Tensor dst)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        SameCount(src, dst, nameof(dst));
        Device(src, dst).Ops.Copy(src, dst);
    }

    /// <summary>y = a + b; y may alias a or b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Add(Tensor a, Tensor b, Tensor y) => Elementwise(a, b, y).Ops.Add(a, b, y);

    /// <summary>y = a − b; y may alias a or b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Subtract(Tensor a, Tensor b, Tensor y) => Elementwise(a, b, y).Ops.Subtract(a, b, y);

    /// <summary>y = a ⊙ b (elementwise product); y may alias a or b. Backward: da = dy ⊙ b, db = dy ⊙ a.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Multiply(Tensor a, Tensor b, Tensor y) => Elementwise(a, b, y).Ops.Multiply(a, b, y);

    /// <summary>y = a / b (elementwise); y may alias a or b. Backward: da = dy / b, db = −dy ⊙ y / b.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Divide(Tensor a, Tensor b, Tensor y) => Elementwise(a, b, y).Ops.Divide(a, b, y);

    /// <summary>y = alpha·x + beta (elementwise, one rounding on Host); y may alias x. For y += alpha·x use
    /// <see cref="Axpy"/>.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">alpha or beta is not finite.</exception>
    public static void ScaleAdd(Tensor x, float alpha, float beta, Tensor y)
    {
        Finite(alpha, nameof(alpha));
        Finite(beta, nameof(beta));
        Elementwise(x, x, y).Ops.ScaleAdd(x, alpha, beta, y);
    }

    /// <summary>y = exp(x); y may alias x. Backward: dx = dy ⊙ y (<see cref="Multiply"/>).</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Exp(Tensor x, Tensor y) => Elementwise(x, x, y).Ops.Exp(x, y);

    /// <summary>y = σ(x) = 1 / (1 + exp(−x)); y may alias x. Backward: <see cref="SigmoidBackward"/>.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void Sigmoid(Tensor x, Tensor y) => Elementwise(x, x, y).Ops.Sigmoid(x, y);

    /// <summary>dx = dy ⊙ y ⊙ (1 − y), where y is the output of <see cref="Sigmoid"/>; dx may alias y or dy.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) =>
        Elementwise(y, dy, dx).Ops.SigmoidBackward(y, dy, dx);

    /// <summary>
    /// The coupling add, fused: y = x + sign·⌊branch⌉, where ⌊v⌉ rounds v to the nearest multiple of
    /// <paramref name="gridStep"/> (ties to even) when gridStep &gt; 0, and is v itself when gridStep = 0. y may alias
    /// x or branch; branch is not modified.
    /// </summary>
    /// <remarks>
    /// The rounding is fl(fl(v + m) − m) with m = 1.5·2^23·gridStep, the same bits as rounding branch first and then
    /// adding or subtracting; it is exact while |v| &lt; 2^22·gridStep and degrades to ordinary float rounding
    /// beyond. While x lies on the grid and |x ± ⌊branch⌉| stays below 2^24·gridStep, the add is exact too, so the
    /// inverse coupling (sign −1 with the same branch) gives x back bit for bit.
    /// </remarks>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">sign is not ±1, or gridStep is neither 0 nor a power of
    /// two.</exception>
    public static void CouplingAdd(Tensor x, Tensor branch, float sign, float gridStep, Tensor y)
    {
        if (sign is not (1f or -1f))
        {
            throw new ArgumentOutOfRangeException(nameof(sign), sign, $"Invalid sign: {sign}; expected 1 or -1.");
        }

        ComputeDevice device = Elementwise(x, branch, y);
        if (gridStep == 0f)
        {
            if (sign > 0f)
            {
                device.Ops.Add(x, branch, y);
            }
            else
            {
                device.Ops.Subtract(x, branch, y);
            }

            return;
        }

        device.Ops.GridAdd(x, branch, sign, GridMagic(gridStep, nameof(gridStep)), y);
    }

    /// <summary>
    /// y = ⌊x⌉: x rounded to the nearest multiple of <paramref name="step"/> (a power of two; ties to even), with the
    /// same bits as <see cref="CouplingAdd"/>'s rounding. y may alias x.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">step is not a positive power of two.</exception>
    public static void GridRound(Tensor x, float step, Tensor y)
    {
        float magic = GridMagic(step, nameof(step));
        Elementwise(x, x, y).Ops.GridAdd(null, x, 1f, magic, y);
    }

    /// <summary>y += alpha·x.</summary>
    public static void Axpy(float alpha, Tensor x, Tensor y) => Elementwise(x, x, y).Ops.Axpy(alpha, x, y);

    /// <summary>y = max(x, 0); y may alias x.</summary>
    public static void ReluForward(Tensor x, Tensor y) => Elementwise(x, x, y).Ops.ReluForward(x, y);

    /// <summary>dx = y &gt; 0 ? dy : 0 where y is ReLU's output; dx may alias dy.</summary>
    public static void ReluBackward(Tensor y, Tensor dy, Tensor dx) => Elementwise(y, dy, dx).Ops.ReluBackward(y, dy, dx);

    /// <summary>Copies <paramref name="count"/> channels from src (starting at srcOffset) to dst (at dstOffset).</summary>
    /// <exception cref="ArgumentException">Not 4-D, batch or spatial sizes differ, or a range is out of bounds.</exception>
    public static void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(dst);
        Rank4(src, nameof(src));
        Rank4(dst, nameof(dst));
        CheckChannelCompatible(src, dst, nameof(dst));

        if (count < 0 || srcOffset < 0 || dstOffset < 0 || srcOffset + count > src.Shape[1] || dstOffset + count > dst.Shape[1])
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), $"Channel range out of bounds: src {src.Shape} at {srcOffset}, dst {dst.Shape} at {dstOffset}, count {count}.");
        }

        ComputeDevice device = Device(src, dst);
        if (count > 0)
        {
            device.Ops.CopyChannels(src, srcOffset, dst, dstOffset, count);
        }
    }

    /// <summary>Splits x [N, C, H, W] into a [N, Ca, H, W] and b [N, C − Ca, H, W].</summary>
    public static void SplitChannels(Tensor x, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ChannelsAddUp(x, a, b);
        CopyChannels(x, 0, a, 0, a.Shape[1]);
        CopyChannels(x, a.Shape[1], b, 0, b.Shape[1]);
    }

    /// <summary>Concatenates a and b along channels into x (the inverse of <see cref="SplitChannels"/>).</summary>
    public static void ConcatChannels(Tensor a, Tensor b, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(x);
        ChannelsAddUp(x, a, b);
        CopyChannels(a, 0, x, 0, a.Shape[1]);
        CopyChannels(b, 0, x, a.Shape[1], b.Shape[1]);
    }

    /// <summary>
    /// Zero-pads channels (the paper's downsampling shortcut): y = 0 except y[:, before : before + Cx] = x.
    /// </summary>
    public static void PadChannels(Tensor x, Tensor y, int before)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Rank4(x, nameof(x));
        Rank4(y, nameof(y));
        if (before < 0 || before + x.Shape[1] > y.Shape[1])
        {
            throw new ArgumentOutOfRangeException(
                nameof(before), $"Padding offset {before} puts {x.Shape} outside {y.Shape}.");
        }

        CheckChannelCompatible(x, y, nameof(y));
        Fill(y, 0f);
        CopyChannels(x, 0, y, before, x.Shape[1]);
    }

    /// <summary>Backward of <see cref="PadChannels"/>: dx = dy[:, before : before + Cx].</summary>
    public static void PadChannelsBackward(Tensor dy, Tensor dx, int before) =>
        CopyChannels(dy, before, dx, 0, dx.Shape[1]);

    /// <summary>2x2 average pooling with stride 2. H and W must be even.</summary>
    public static void AvgPool2x2Forward(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Rank4(x, nameof(x));
        if (x.Shape[2] % 2 != 0 || x.Shape[3] % 2 != 0)
        {
            throw new ArgumentException($"2x2 average pooling needs even H and W, got {x.Shape}.", nameof(x));
        }

        Expect(y, new Shape(x.Shape[0], x.Shape[1], x.Shape[2] / 2, x.Shape[3] / 2), nameof(y));
        Device(x, y).Ops.AvgPool2x2Forward(x, y);
    }

    /// <summary>Backward of 2x2 average pooling (dx overwritten).</summary>
    public static void AvgPool2x2Backward(Tensor dy, Tensor dx)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        Rank4(dx, nameof(dx));
        if (dx.Shape[2] % 2 != 0 || dx.Shape[3] % 2 != 0)
        {
            throw new ArgumentException($"2x2 average pooling needs even H and W, got {dx.Shape}.", nameof(dx));
        }

        Expect(dy, new Shape(dx.Shape[0], dx.Shape[1], dx.Shape[2] / 2, dx.Shape[3] / 2), nameof(dy));
        Device(dy, dx).Ops.AvgPool2x2Backward(dy, dx);
    }

    /// <summary>Global average pooling x [N, C, H, W] → y [N, C].</summary>
    public static void GlobalAvgPoolForward(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Rank4(x, nameof(x));
        PooledShape(y, x.Shape[0], x.Shape[1], nameof(y));
        Device(x, y).Ops.GlobalAvgPoolForward(x, y);
    }

    /// <summary>Backward of global average pooling (dx overwritten).</summary>
    public static void GlobalAvgPoolBackward(Tensor dy, Tensor dx)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        Rank4(dx, nameof(dx));
        PooledShape(dy, dx.Shape[0], dx.Shape[1], nameof(dy));
        Device(dy, dx).Ops.GlobalAvgPoolBackward(dy, dx);
    }

    /// <summary>The geometry of conv(x, w) with the given stride and padding, checking x and w.</summary>
    public static Conv2dGeometry ConvGeometry(Shape x, Shape w, int stride, int pad)
    {
        if (x.Rank != 4)
        {
            throw new ArgumentException($"Expected input [N, C, H, W], got {x}.", nameof(x));
        }

        if (w.Rank != 4 || w[1] != x[1])
        {
            throw new ArgumentException($"Expected weight [K, {x[1]}, R, S], got {w}.", nameof(w));
        }

        return new Conv2dGeometry(x[0], x[1], x[2], x[3], w[0], w[2], w[3], stride, stride, pad, pad);
    }

    /// <summary>y = conv(x, w) (no bias), for geometry g.</summary>
    public static void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(y);
        ConvShapes(g, x, nameof(x), w, nameof(w), y, nameof(y));
        Device(x, w, y).Ops.Conv2dForward(x, w, y, g);
    }

    /// <summary>dx = gradient of conv w.r.t. its input (overwritten).</summary>
    public static void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dx);
        ConvShapes(g, dx, nameof(dx), w, nameof(w), dy, nameof(dy));
        Device(dy, w, dx).Ops.Conv2dBackwardInput(dy, w, dx, g);
    }

    /// <summary>dw += gradient of conv w.r.t. its weight (accumulates).</summary>
    public static void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dw);
        ConvShapes(g, x, nameof(x), dw, nameof(dw), dy, nameof(dy));
        Device(x, dy, dw).Ops.Conv2dBackwardWeight(x, dy, dw, g);
    }

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
        Device(x, mean, invStd).Ops.BatchNormStatistics(x, mean, invStd, eps);
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
        Device(x, mean, invStd, gamma, beta, y).Ops.BatchNormApply(x, mean, invStd, gamma, beta, y, relu);
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
        Device(mean, invStd, runningMean, runningVar).Ops.BatchNormUpdateRunning(
            mean, invStd, runningMean, runningVar, momentum, eps, count);
    }

    /// <summary>invStd = 1/sqrt(runningVar + eps).</summary>
    public static void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd)
    {
        ArgumentNullException.ThrowIfNull(runningVar);
        ArgumentNullException.ThrowIfNull(invStd);
        Positive(eps, "eps", nameof(eps));
        SameCount(runningVar, invStd, nameof(invStd));
        Device(runningVar, invStd).Ops.BatchNormInvStd(runningVar, eps, invStd);
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
        Device(x, dy, mean, invStd, gamma, dx, dgamma, dbeta).Ops.BatchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta);
    }

    /// <summary>y = x·wᵀ + b: x [N, In] (any trailing dims flattened), w [Out, In], b [Out], y [N, Out].</summary>
    public static void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(y);
        LinearShapes(x, w, b, y, nameof(y));
        Device(x, w, b, y).Ops.LinearForward(x, w, b, y);
    }

    /// <summary>dx = dy·w (overwritten, skipped when null); dw += dyᵀ·x and db += Σ dy (accumulate).</summary>
    public static void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dw);
        ArgumentNullException.ThrowIfNull(db);
        LinearShapes(x, w, db, dy, nameof(dy));
        SameShape(w, dw, nameof(dw));
        if (dx is not null)
        {
            SameCount(x, dx, nameof(dx));
            Device(x, w, dy, dw, db, dx);
        }

        Device(x, w, dy, dw, db).Ops.LinearBackward(x, w, dy, dx, dw, db);
    }

    /// <summary>
    /// Fused softmax cross-entropy, mean over the batch; writes dlogits and returns the loss.
    /// </summary>
    /// <exception cref="ArgumentException">Label count differs from the batch, or dlogits has another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(dlogits);
        if (logits.Shape.Rank != 2)
        {
            throw new ArgumentException($"Expected logits [N, classes], got {logits.Shape}.", nameof(logits));
        }

        if (labels.Length != logits.Shape[0])
        {
            throw new ArgumentException($"Expected {logits.Shape[0]} labels, got {labels.Length}.", nameof(labels));
        }

        int k = logits.Shape[1];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {labels[i]} at {i} is outside [0, {k}).");
            }
        }

        SameShape(logits, dlogits, nameof(dlogits));
        return Device(logits, dlogits).Ops.SoftmaxCrossEntropy(logits, labels, dlogits);
    }

    /// <summary>One SGD step (PyTorch semantics) on one parameter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is negative or not finite.</exception>
    public static void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(velocity);
        NonNegative(lr, "learning rate", nameof(lr));
        NonNegative(momentum, "momentum", nameof(momentum));
        NonNegative(weightDecay, "weight decay", nameof(weightDecay));
        if (nesterov && momentum <= 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Nesterov momentum requires a momentum > 0.");
        }

        SameShape(w, g, nameof(g));
        SameShape(w, velocity, nameof(velocity));
        Device(w, g, velocity).Ops.SgdStep(w, g, velocity, lr, momentum, weightDecay, nesterov);
    }

    /// <summary>One Adam (or AdamW when decoupled) step on one parameter; step counts from 1.</summary>
    public static void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        NonNegative(lr, "learning rate", nameof(lr));
        NonNegative(weightDecay, "weight decay", nameof(weightDecay));
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"Invalid beta1: {beta1}; expected [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"Invalid beta2: {beta2}; expected [0, 1).");
        }

        Positive(eps, "eps", nameof(eps));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        SameShape(w, g, nameof(g));
        SameShape(w, m, nameof(m));
        SameShape(w, v, nameof(v));
        Device(w, g, m, v).Ops.AdamStep(w, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    /// <summary>Checks an elementwise op's operands (non-null, one shape, one device) and returns the device.</summary>
    private static ComputeDevice Elementwise(
        Tensor a,
        Tensor b,
        Tensor y,
        [CallerArgumentExpression(nameof(a))] string aName = "",
        [CallerArgumentExpression(nameof(b))] string bName = "",
        [CallerArgumentExpression(nameof(y))] string yName = "")
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        ArgumentNullException.ThrowIfNull(y, yName);
        SameShape(a, b, bName);
        SameShape(a, y, yName);
        return Device(a, b, y);
    }

    /// <summary>The magic number 1.5·2^23·step of the grid rounding, checking that step is a power of two.</summary>
    private static float GridMagic(float step, string paramName)
    {
        float magic = 1.5f * 8388608f * step;
        if (!(step > 0f) || !float.IsPow2(step) || !float.IsNormal(step) || float.IsInfinity(magic))
        {
            throw new ArgumentOutOfRangeException(
                paramName, step, $"Invalid grid step: {step}; expected a power of two such as 2^-15 (or 0 for no grid).");
        }

        return magic;
    }

    private static void Finite(float value, string paramName)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {paramName}: {value}; expected a finite value.");
        }
    }

    internal static ComputeDevice Device(params ReadOnlySpan<Tensor> tensors)
    {
        ComputeDevice? device = null;
        foreach (Tensor t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t);
            ObjectDisposedException.ThrowIf(t.IsDisposed, t);
            if (device is null)
            {
                device = t.Device;
            }
            else if (!ReferenceEquals(device, t.Device))
            {
                throw new InvalidOperationException(
                    $"Tensors from two devices in one op: {device} and {t.Device}. Move the data to one device first.");
            }
        }

        device!.ThrowIfDisposed();
        return device;
    }

    internal static void SameShape(Tensor expected, Tensor actual, string paramName)
    {
        if (expected.Shape != actual.Shape)
        {
            throw new ArgumentException($"Expected {expected.Shape}, got {actual.Shape}.", paramName);
        }
    }

    internal static void Expect(Tensor t, Shape expected, string paramName)
    {
        if (t.Shape != expected)
        {
            throw new ArgumentException($"Expected {expected}, got {t.Shape}.", paramName);
        }
    }

    private static void SameCount(Tensor expected, Tensor actual, string paramName)
    {
        if (expected.ElementCount != actual.ElementCount)
        {
            throw new ArgumentException(
                $"Expected {expected.ElementCount} elements ({expected.Shape}), got {actual.ElementCount} ({actual.Shape}).", paramName);
        }
    }

    private static void ExpectCount(Tensor t, long count, string expected, string paramName)
    {
        if (t.ElementCount != count)
        {
            throw new ArgumentException($"Expected {expected}, got {t.Shape}.", paramName);
        }
    }

    private static void PooledShape(Tensor t, int n, int c, string paramName)
    {
        if (t.Shape != new Shape(n, c) && t.Shape != new Shape(n, c, 1, 1))
        {
            throw new ArgumentException($"Expected [{n}, {c}] or [{n}, {c}, 1, 1], got {t.Shape}.", paramName);
        }
    }

    private static void Rank4(Tensor t, string paramName)
    {
        if (t.Shape.Rank != 4)
        {
            throw new ArgumentException($"Expected [N, C, H, W], got {t.Shape}.", paramName);
        }
    }

    private static void CheckChannelCompatible(Tensor src, Tensor dst, string paramName)
    {
        if (src.Shape[0] != dst.Shape[0] || src.Shape[2] != dst.Shape[2] || src.Shape[3] != dst.Shape[3])
        {
            throw new ArgumentException(
                $"Expected [{src.Shape[0]}, *, {src.Shape[2]}, {src.Shape[3]}], got {dst.Shape}.", paramName);
        }
    }

    private static int Channels(Tensor x)
    {
        if (x.Shape.Rank < 2)
        {
            throw new ArgumentException($"Expected [N, C, ...], got {x.Shape}.", nameof(x));
        }

        return x.Shape[1];
    }

    private static void Vector(Tensor t, int length, string paramName)
    {
        if (t.ElementCount != length)
        {
            throw new ArgumentException($"Expected [{length}], got {t.Shape}.", paramName);
        }
    }

    private static void ChannelsAddUp(Tensor x, Tensor a, Tensor b)
    {
        Rank4(x, nameof(x));
        Rank4(a, nameof(a));
        Rank4(b, nameof(b));
        CheckChannelCompatible(x, a, nameof(a));
        CheckChannelCompatible(x, b, nameof(b));
        if (a.Shape[1] + b.Shape[1] != x.Shape[1])
        {
            throw new ArgumentException(
                $"Channel counts do not add up: {a.Shape} + {b.Shape} vs {x.Shape}.", nameof(b));
        }
    }

    private static void ConvShapes(Conv2dGeometry g, Tensor x, string xName, Tensor w, string wName, Tensor y, string yName)
    {
        Expect(x, new Shape(g.N, g.C, g.H, g.W), xName);
        Expect(w, new Shape(g.K, g.C, g.R, g.S), wName);
        Expect(y, new Shape(g.N, g.K, g.P, g.Q), yName);
    }

    private static void LinearShapes(Tensor x, Tensor w, Tensor b, Tensor y, string yName)
    {
        if (w.Shape.Rank != 2)
        {
            throw new ArgumentException($"Expected weight [Out, In], got {w.Shape}.", nameof(w));
        }

        int n = x.Shape[0];
        int inFeatures = w.Shape[1];
        int outFeatures = w.Shape[0];
        if (x.ElementCount != (long)n * inFeatures)
        {
            throw new ArgumentException($"Expected input [{n}, {inFeatures}], got {x.Shape}.", nameof(x));
        }

        Expect(b, new Shape(outFeatures), nameof(b));
        ExpectCount(y, (long)n * outFeatures, $"[{n}, {outFeatures}]", yName);
    }

    private static void Positive(float value, string what, string paramName)
    {
        if (!(value > 0) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}; expected a finite value > 0.");
        }
    }

    private static void NonNegative(float value, string what, string paramName)
    {
        if (!(value >= 0) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid {what}: {value}; expected a finite value >= 0.");
        }
    }
}
