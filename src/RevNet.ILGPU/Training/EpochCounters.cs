namespace RevNet.ILGPU.Training;

/// <summary>The running sums of an epoch in progress (so a resumed epoch reports what an uninterrupted one would).</summary>
/// <param name="LossSum">Σ batch loss × batch size.</param>
/// <param name="Correct">Correct training predictions.</param>
/// <param name="Seen">Images trained on.</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Batches">Batches consumed (steps and skipped).</param>
/// <param name="Skipped">Batches skipped.</param>
/// <param name="TrainSeconds">Seconds spent training.</param>
/// <param name="LearningRate">The last learning rate.</param>
public sealed record EpochCounters(
    double LossSum = 0, long Correct = 0, long Seen = 0, int Steps = 0, int Batches = 0, int Skipped = 0,
    double TrainSeconds = 0, float LearningRate = 0);
