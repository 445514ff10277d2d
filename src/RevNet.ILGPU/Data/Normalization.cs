using System.Collections.Immutable;

namespace RevNet.ILGPU.Data;

/// <summary>Per-channel normalisation x' = (x − mean[c]) / std[c].</summary>
public sealed class Normalization
{
    /// <summary>Creates a normalisation from per-channel statistics.</summary>
    /// <param name="mean">One mean per channel.</param>
    /// <param name="std">One standard deviation per channel, each positive and finite.</param>
    /// <exception cref="ArgumentException">Lengths differ, are zero, or a value is not usable.</exception>
    public Normalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"Expected one mean and one std per channel, got {mean.Count} and {std.Count}.", nameof(std));
        }

        for (int c = 0; c < std.Count; c++)
        {
            if (!float.IsFinite(mean[c]) || !(std[c] > 0) || !float.IsFinite(std[c]))
            {
                throw new ArgumentException($"Channel {c}: mean {mean[c]}, std {std[c]}; std must be positive and finite.", nameof(std));
            }
        }

        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>Fashion-MNIST's training-set statistics (pixels scaled to [0, 1]).</summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>MNIST's training-set statistics (pixels scaled to [0, 1]).</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>CIFAR-10's training-set statistics (pixels scaled to [0, 1]).</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>The per-channel means.</summary>
    public ImmutableArray<float> Mean { get; }

    /// <summary>The per-channel standard deviations.</summary>
    public ImmutableArray<float> Std { get; }

    /// <summary>The number of channels.</summary>
    public int Channels => Mean.Length;

    /// <summary>Computes the per-channel mean and (population) standard deviation of a dataset, in double.</summary>
    /// <param name="dataset">The dataset (normally the training split, not yet normalised).</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="InvalidOperationException">The dataset is already normalised, or a channel is constant.</exception>
    public static Normalization Compute(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Normalization is not null)
        {
            throw new InvalidOperationException("The dataset is already normalised; compute statistics on the raw data.");
        }

        int c = dataset.Channels;
        int plane = dataset.Height * dataset.Width;
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        float[] images = dataset.Images;
        for (int n = 0; n < dataset.Count; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                ReadOnlySpan<float> p = images.AsSpan(((n * c) + ch) * plane, plane);
                double s = 0;
                double q = 0;
                foreach (float v in p)
                {
                    s += v;
                    q += (double)v * v;
                }

                sum[ch] += s;
                sumSq[ch] += q;
            }
        }

        double count = (double)dataset.Count * plane;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            double m = sum[ch] / count;
            double variance = Math.Max((sumSq[ch] / count) - (m * m), 0);
            if (variance <= 0)
            {
                throw new InvalidOperationException($"Channel {ch} is constant; it cannot be normalised.");
            }

            mean[ch] = (float)m;
            std[ch] = (float)Math.Sqrt(variance);
        }

        return new Normalization(mean, std);
    }

    /// <summary>The normalised value of a raw pixel value in a channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="raw">The raw value.</param>
    /// <returns>(raw − mean) / std.</returns>
    public float Apply(int channel, float raw) => (raw - Mean[channel]) / Std[channel];

    /// <inheritdoc />
    public override string ToString() => $"mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";
}
