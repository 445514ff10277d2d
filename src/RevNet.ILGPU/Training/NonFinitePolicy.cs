namespace RevNet.ILGPU.Training;

/// <summary>What the trainer does when a batch's loss is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Stop with a <see cref="NonFiniteValueException"/> naming the epoch and step (the default).</summary>
    Throw,

    /// <summary>Skip the batch (no update), count it, and continue.</summary>
    SkipBatch,
}
