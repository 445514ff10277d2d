using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Makes a <see cref="Trainer"/> one replica of a data-parallel run: it picks this process's shard of each global
/// batch, averages the parameter gradients over the processes before the optimizer step and sums the step's metrics.
/// <see cref="Distributed.DataParallel"/> implements it over a <see cref="Distributed.Communicator"/>.
/// </summary>
public interface IGradientReducer
{
    /// <summary>Whether this process writes checkpoints (rank 0).</summary>
    bool IsPrimary { get; }

    /// <summary>The rows of a global batch of <paramref name="globalCount"/> samples that this process trains on.</summary>
    /// <param name="globalCount">The global batch's size.</param>
    /// <returns>The first row and the row count (the count may be 0 when the batch is smaller than the process count).</returns>
    (int Start, int Count) Shard(int globalCount);

    /// <summary>Called before the step's forward with this process's and the global sample counts.</summary>
    /// <param name="localCount">Samples on this process.</param>
    /// <param name="globalCount">Samples over all processes.</param>
    void BeginStep(int localCount, int globalCount);

    /// <summary>
    /// After the backward (also when this process skipped it): leaves in every gradient the global-batch mean, the same
    /// on every process. Every process must call it once per step.
    /// </summary>
    /// <param name="parameters">The model's parameters.</param>
    void ReduceGradients(IReadOnlyList<Parameter> parameters);

    /// <summary>Sums the step's loss (loss × samples) and correct predictions over the processes.</summary>
    /// <param name="lossSum">This process's loss times its sample count.</param>
    /// <param name="correct">This process's correct predictions.</param>
    /// <returns>The sums over all processes (NaN when any process had a non-finite loss).</returns>
    (double LossSum, long Correct) ReduceMetrics(double lossSum, long correct);
}
