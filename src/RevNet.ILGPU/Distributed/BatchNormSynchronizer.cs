using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Distributed;

/// <summary>
/// Synchronised batch normalisation over the processes of a data-parallel run: every <see cref="BatchNorm2d"/> given
/// one (<see cref="BatchNorm2d.Synchronizer"/>, or <see cref="DataParallelOptions.SyncBatchNorm"/>) normalises with the
/// statistics of the whole global batch and back-propagates through them, so np processes compute what one process
/// computes on the global batch.
/// </summary>
/// <remarks>
/// <para>
/// One all-reduce per layer in the training forward (<see cref="ForwardMode.Train"/> or
/// <see cref="ForwardMode.TrainNoSave"/>): per channel the local count, Σx and Σx² — formed in double from the local
/// mean and centred sum of squares, so the sum of squares is the parallel-variance combination
/// Σ(M2ᵣ + nᵣ·μᵣ²) − (Σnᵣ·μᵣ)²/N in double, not a float Σx². A <see cref="ForwardMode.Recompute"/> (the reversible
/// backward's) reuses the saved global statistics and never reduces again. One all-reduce per layer in the backward:
/// Σdy and Σdy·x̂, each rank's weighted by its share of the global batch (nᵣ/N), which is the loss convention of
/// <see cref="DataParallel"/> (each rank's loss is the mean over its shard, its gradients are weighted by nᵣ/N).
/// </para>
/// <para>
/// The reductions are blocking collectives: every rank must run the same layers in the same order (a rank that skips
/// its backward after a non-finite loss leaves the others waiting until <see cref="Communicator.CollectiveTimeout"/>
/// aborts the run). Sums over ranks run in MPI's fixed order, so reruns are bit-identical. With one process nothing is
/// reduced and the layer computes exactly what it computes without a synchronizer.
/// </para>
/// </remarks>
public sealed class BatchNormSynchronizer
{
    /// <summary>Creates a synchronizer over <paramref name="communicator"/>'s processes.</summary>
    /// <param name="communicator">The processes.</param>
    public BatchNormSynchronizer(Communicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Communicator = communicator;
    }

    /// <summary>The processes.</summary>
    public Communicator Communicator { get; }

    /// <summary>Whether there is anything to synchronise (more than one process).</summary>
    public bool IsActive => Communicator.Size > 1;

    /// <summary>All-reduces of forward statistics so far (one per layer per training forward).</summary>
    public long StatisticsReductions { get; private set; }

    /// <summary>All-reduces of backward sums so far (one per layer per backward).</summary>
    public long GradientReductions { get; private set; }

    /// <summary>Gives every <see cref="BatchNorm2d"/> in <paramref name="model"/> this synchronizer (null removes it).</summary>
    /// <param name="model">The model (a <see cref="Models.Model"/>'s network is searched too).</param>
    /// <param name="synchronizer">The synchronizer, or null for per-process statistics.</param>
    /// <returns>How many layers were set.</returns>
    public static int Attach(ILayer model, BatchNormSynchronizer? synchronizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ILayer root = (model as Models.Model)?.Network ?? model;
        int n = 0;
        foreach (BatchNorm2d bn in root.Descendants().Prepend(root).OfType<BatchNorm2d>())
        {
            bn.Synchronizer = synchronizer;
            n++;
        }

        return n;
    }

    /// <summary>
    /// Turns this process's batch statistics into the global batch's (a collective): in, the local mean and
    /// 1/sqrt(var + eps) of <paramref name="count"/> values per channel; out, the global ones.
    /// </summary>
    /// <returns>The global count per channel.</returns>
    internal long ReduceStatistics(Span<float> mean, Span<float> invStd, long count, float eps)
    {
        int c = mean.Length;
        double n = count;
        double[] sums = new double[1 + (2 * c)];
        sums[0] = n;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = mean[ch];
            double inv = invStd[ch];
            double m2 = Math.Max(0.0, (1.0 / (inv * inv)) - eps) * n;
            sums[1 + ch] = n * mu;
            sums[1 + c + ch] = m2 + (n * mu * mu);
        }

        Communicator.AllReduceSum(sums.AsSpan());
        StatisticsReductions++;
        double total = sums[0];
        for (int ch = 0; ch < c; ch++)
        {
            double mu = sums[1 + ch] / total;
            double variance = Math.Max(0.0, (sums[1 + c + ch] - (sums[1 + ch] * mu)) / total);
            mean[ch] = (float)mu;
            invStd[ch] = (float)(1.0 / Math.Sqrt(variance + eps));
        }

        return (long)Math.Round(total);
    }

    /// <summary>
    /// Replaces this process's per-channel Σdy and Σdy·x̂ (of <paramref name="count"/> local values, the global batch
    /// having <paramref name="globalCount"/>) by Σᵣ (nᵣ/N)·sumᵣ over the processes (a collective).
    /// </summary>
    internal void ReduceGradientSums(Span<double> sums, long count, long globalCount)
    {
        double share = (double)count / globalCount;
        for (int i = 0; i < sums.Length; i++)
        {
            sums[i] *= share;
        }

        Communicator.AllReduceSum(sums);
        GradientReductions++;
    }
}
