using System.Globalization;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Cross-entropy against smoothed targets (Szegedy et al., 2016): the target of sample n is
/// (1 − ε)·onehot(label) + ε/K, so L = −Σₖ target·log softmax(z)ₖ, mean over the batch, and
/// dL/dz = (softmax(z) − target) / N.
/// </summary>
/// <remarks>Computed on the host in double precision from an [N, K] readback (small next to a step).</remarks>
public sealed class LabelSmoothingCrossEntropyLoss : ILoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="smoothing">ε in [0, 1); 0 is plain cross-entropy (0.1 is the usual choice).</param>
    /// <exception cref="ArgumentOutOfRangeException">ε is outside [0, 1).</exception>
    public LabelSmoothingCrossEntropyLoss(double smoothing = 0.1)
    {
        if (!(smoothing >= 0 && smoothing < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(smoothing), smoothing, "Label smoothing must be in [0, 1), e.g. 0.1.");
        }

        Smoothing = smoothing;
    }

    /// <summary>ε.</summary>
    public double Smoothing { get; }

    /// <inheritdoc />
    public string Name => string.Create(CultureInfo.InvariantCulture, $"cross-entropy (label smoothing {Smoothing:G3})");

    /// <inheritdoc />
    public float Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(gradient);
        if (logits.Shape.Rank != 2 || logits.Shape[0] != labels.Length || gradient.Shape != logits.Shape)
        {
            throw new ArgumentException(
                $"Expected logits [N, classes] with N = {labels.Length} labels and a gradient of the same shape; got logits "
                + $"{logits.Shape} and gradient {gradient.Shape}.", nameof(logits));
        }

        int n = labels.Length, k = logits.Shape[1];
        float[] z = logits.ToArray();
        float[] dz = new float[z.Length];
        double total = 0;
        double off = Smoothing / k;
        for (int i = 0; i < n; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label {label} of sample {i} is outside [0, {k}).");
            }

            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = Math.Max(max, z[(i * k) + j]);
            }

            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += Math.Exp(z[(i * k) + j] - max);
            }

            double logSum = max + Math.Log(sum);
            for (int j = 0; j < k; j++)
            {
                double target = off + (j == label ? 1 - Smoothing : 0);
                double logP = z[(i * k) + j] - logSum;
                total -= target * logP;
                dz[(i * k) + j] = (float)((Math.Exp(logP) - target) / n);
            }
        }

        gradient.CopyFrom(dz);
        return (float)(total / n);
    }
}
