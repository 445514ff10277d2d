namespace RevNet.ILGPU.Distributed;

/// <summary>
/// How much of the gradient all-reduce hid behind the backward. <see cref="CommunicationMilliseconds"/> runs from the
/// first bucket's start to the last bucket's observed completion (completion is observed when the backward polls
/// between layers, so it can be late by up to one layer); <see cref="ExposedMilliseconds"/> is what the step waited
/// after its backward (last bucket copy, wait, copy back). The exposed time also holds the wait for a slower rank to
/// finish its own backward (skew), which no overlap can hide; on a loaded machine it dominates, and the hidden
/// fraction then reads low.
/// </summary>
public readonly record struct OverlapStatistics
{
    /// <summary>Steps counted.</summary>
    public long Steps { get; init; }

    /// <summary>Buckets reduced per step.</summary>
    public int Buckets { get; init; }

    /// <summary>Floats reduced per step.</summary>
    public long Elements { get; init; }

    /// <summary>Summed communication wall time (first start to last completion per step), ms.</summary>
    public double CommunicationMilliseconds { get; init; }

    /// <summary>Summed time the steps waited for the reduction after their backward, ms.</summary>
    public double ExposedMilliseconds { get; init; }

    /// <summary>
    /// What the same buckets cost per step as blocking all-reduces after the backward (measured by
    /// <see cref="DataParallel.MeasureBlockingAllReduce"/>; 0 until then), ms.
    /// </summary>
    public double BlockingMilliseconds { get; init; }

    /// <summary>
    /// The share of the all-reduce the backward hid: 1 − exposed / blocking per step when
    /// <see cref="BlockingMilliseconds"/> was measured, else 1 − exposed / communication; clamped to [0, 1].
    /// </summary>
    public double HiddenFraction
    {
        get
        {
            double exposed = ExposedMilliseconds / Math.Max(1, Steps);
            double reference = BlockingMilliseconds > 0 ? BlockingMilliseconds : CommunicationMilliseconds / Math.Max(1, Steps);
            return reference > 0 ? Math.Clamp(1 - (exposed / reference), 0, 1) : 0;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Steps} steps, {Buckets} buckets/step, all-reduce {CommunicationMilliseconds / Math.Max(1, Steps):F2} ms/step, " +
        $"exposed {ExposedMilliseconds / Math.Max(1, Steps):F2} ms/step, blocking reference {BlockingMilliseconds:F2} ms/step, hidden {HiddenFraction:P0}";
}
