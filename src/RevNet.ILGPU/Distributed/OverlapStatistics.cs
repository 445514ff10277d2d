namespace RevNet.ILGPU.Distributed;

/// <summary>
/// How much of the gradient all-reduce hid behind the backward. <see cref="CommunicationMilliseconds"/> runs from the
/// first bucket's start to the last bucket's observed completion (completion is observed when the backward polls
/// between layers, so it can be late by up to one layer); <see cref="ExposedMilliseconds"/> is what the step waited
/// after its backward (last bucket copy, wait, copy back).
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

    /// <summary>1 − exposed / communication, clamped to [0, 1] (0 when nothing was communicated).</summary>
    public double HiddenFraction =>
        CommunicationMilliseconds > 0 ? Math.Clamp(1 - (ExposedMilliseconds / CommunicationMilliseconds), 0, 1) : 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Steps} steps, {Buckets} buckets/step, all-reduce {CommunicationMilliseconds / Math.Max(1, Steps):F2} ms/step, " +
        $"exposed {ExposedMilliseconds / Math.Max(1, Steps):F2} ms/step, hidden {HiddenFraction:P0}";
}
