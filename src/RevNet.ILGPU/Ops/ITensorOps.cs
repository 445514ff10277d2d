using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Ops;

/// <summary>
/// Every op a backend implements. Callers are <see cref="TensorOps"/> (which validates shapes, devices and
/// disposal first) and the layers; implementations never check anything.
/// </summary>
/// <remarks>
/// Conventions: outputs are overwritten, except <b>parameter gradients, which accumulate</b> (+=, llm.c style; the
/// optimizer clears them). Input gradients (dx) are overwritten. Every reduction (weight, bias and BN sums) runs in a
/// fixed order without float atomics, so the same inputs give the same bits. Unless stated, an output may alias an
/// input of the same shape only for the elementwise ops.
/// </remarks>
internal interface ITensorOps
{
    /// <summary>y[i] = value.</summary>
    void Fill(Tensor y, float value);

    /// <summary>dst = src (same element count).</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>y = a + b (y may alias a or b).</summary>
    void Add(Tensor a, Tensor b, Tensor y);

    /// <summary>y = a − b (y may alias a or b).</summary>
    void Subtract(Tensor a, Tensor b, Tensor y);

    /// <summary>y += alpha·x.</summary>
    void Axpy(float alpha, Tensor x, Tensor y);

    /// <summary>y = a ⊙ b (y may alias a or b).</summary>
    void Multiply(Tensor a, Tensor b, Tensor y);

    /// <summary>y = a / b (y may alias a or b).</summary>
    void Divide(Tensor a, Tensor b, Tensor y);

    /// <summary>y = alpha·x + beta (y may alias x).</summary>
    void ScaleAdd(Tensor x, float alpha, float beta, Tensor y);

    /// <summary>y = exp(x) (y may alias x).</summary>
    void Exp(Tensor x, Tensor y);

    /// <summary>y = 1 / (1 + exp(−x)) (y may alias x).</summary>
    void Sigmoid(Tensor x, Tensor y);

    /// <summary>dx = dy ⊙ y ⊙ (1 − y), where y is the sigmoid output (dx may alias y or dy).</summary>
    void SigmoidBackward(Tensor y, Tensor dy, Tensor dx);

    /// <summary>
    /// y = x + sign·r (y = sign·r when x is null), r = branch rounded to the grid of a power-of-two step by
    /// fl(fl(v + magic) − magic), magic = 1.5·2^23·step (round to nearest even while |v| &lt; 2^22·step). sign is ±1;
    /// y may alias x or branch.
    /// </summary>
    void GridAdd(Tensor? x, Tensor branch, float sign, float magic, Tensor y);

    /// <summary>y = max(x, 0) (y may alias x).</summary>
    void ReluForward(Tensor x, Tensor y);

    /// <summary>dx = y &gt; 0 ? dy : 0, where y is the ReLU output (dx may alias dy).</summary>
    void ReluBackward(Tensor y, Tensor dy, Tensor dx);

    /// <summary>
    /// Copies channels: dst[n, dstOffset + c, :, :] = src[n, srcOffset + c, :, :] for c &lt; count. Both are
    /// [N, *, H, W] with the same N, H, W. Split, concat, channel zero-padding and its backward are built on it.
    /// </summary>
    void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count);

    /// <summary>2x2 average pooling, stride 2: x [N, C, H, W] (H, W even) → y [N, C, H/2, W/2].</summary>
    void AvgPool2x2Forward(Tensor x, Tensor y);

    /// <summary>Backward of 2x2 average pooling: dx[n,c,h,w] = dy[n,c,h/2,w/2] / 4 (dx overwritten).</summary>
    void AvgPool2x2Backward(Tensor dy, Tensor dx);

    /// <summary>Global average pooling: x [N, C, H, W] → y [N, C] (y may be [N, C, 1, 1]).</summary>
    void GlobalAvgPoolForward(Tensor x, Tensor y);

    /// <summary>Backward of global average pooling: dx[n,c,h,w] = dy[n,c] / (H·W) (dx overwritten).</summary>
    void GlobalAvgPoolBackward(Tensor dy, Tensor dx);

    /// <summary>y = conv(x, w): x [N,C,H,W], w [K,C,R,S], y [N,K,P,Q]; cross-correlation, zero padding, no bias.</summary>
    void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g);

    /// <summary>dx = conv_transpose(dy, w) (dx overwritten).</summary>
    void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g);

    /// <summary>dw += Σ_n,p,q dy[n,k,p,q]·x[n,c,p·sh+r−ph,q·sw+s−pw] (accumulates).</summary>
    void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g);

    /// <summary>
    /// Per-channel batch statistics of x [N, C, H, W]: mean[c] and invStd[c] = 1 / sqrt(biased var[c] + eps).
    /// Fixed summation order (compute the mean first, then the centered sum of squares).
    /// </summary>
    void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps);

    /// <summary>y = gamma[c]·(x − mean[c])·invStd[c] + beta[c]; with <paramref name="relu"/>, y = max(that, 0).</summary>
    void BatchNormApply(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu);

    /// <summary>
    /// running = (1 − momentum)·running + momentum·batch, with the unbiased variance
    /// var = (1/invStd² − eps)·count/(count − 1), count = N·H·W (PyTorch's convention).
    /// </summary>
    void BatchNormUpdateRunning(
        Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count);

    /// <summary>invStd[c] = 1 / sqrt(runningVar[c] + eps) (for evaluation mode).</summary>
    void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd);

    /// <summary>
    /// Training-mode BN backward with xhat = (x − mean)·invStd, m = N·H·W:
    /// dgamma[c] += Σ dy·xhat, dbeta[c] += Σ dy (accumulate);
    /// dx = gamma·invStd·(dy − dbetaBatch/m − xhat·dgammaBatch/m) (overwritten).
    /// </summary>
    void BatchNormBackward(
        Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta);

    /// <summary>y[n, o] = b[o] + Σ_i x[n, i]·w[o, i]; x is [N, In] (or [N, In, 1, 1]), w [Out, In], y [N, Out].</summary>
    void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y);

    /// <summary>dx = dy·w (overwritten; skipped when dx is null); dw += dyᵀ·x; db += Σ_n dy (accumulate).</summary>
    void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db);

    /// <summary>
    /// Fused, numerically stable softmax cross-entropy, mean over the batch. logits [N, K], labels in [0, K).
    /// Writes dlogits = (softmax − onehot)/N and returns the mean loss (summed in double, in order).
    /// </summary>
    float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits);

    /// <summary>
    /// SGD as PyTorch: g' = g + weightDecay·w; v = momentum·v + g'; w −= lr·(nesterov ? g' + momentum·v : v).
    /// </summary>
    void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov);

    /// <summary>
    /// Adam as PyTorch (decoupled = AdamW): g' = g + wd·w unless decoupled; m = b1·m + (1−b1)·g';
    /// v = b2·v + (1−b2)·g'²; w −= lr·(m/(1−b1^t)) / (sqrt(v/(1−b2^t)) + eps) + (decoupled ? lr·wd·w : 0).
    /// </summary>
    void AdamStep(
        Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay,
        bool decoupled, int step);
}
