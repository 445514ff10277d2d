namespace RevNet.ILGPU.Training;

/// <summary>Options of a <see cref="Trainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>The number of epochs <see cref="Trainer.Fit"/> trains to (counted from the run's start, resumes included).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>The loss (default: softmax cross-entropy).</summary>
    public ILoss Loss { get; init; } = SoftmaxCrossEntropyLoss.Instance;

    /// <summary>The learning-rate schedule over global steps; null keeps the optimizer's rate.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>What to do when a loss is NaN or infinite.</summary>
    public NonFinitePolicy NonFiniteLoss { get; init; } = NonFinitePolicy.Throw;

    /// <summary>
    /// Check every parameter gradient for NaN/Inf after each backward pass and stop naming the tensor
    /// (copies the gradients to the host each step: for debugging).
    /// </summary>
    public bool CheckGradients { get; init; }

    /// <summary>Stop <see cref="Trainer.Fit"/> once the global step reaches this (null: no limit).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>
    /// Identifies the model (builder, depth, widths, input shape, classes); checkpoints refuse to load into another.
    /// </summary>
    public string ArchitectureId { get; init; } = "unnamed";

    /// <summary>Where <see cref="Trainer.Fit"/> writes checkpoints (after every epoch); null writes none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Also write a checkpoint every this many global steps (0: only after epochs).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Seed of the trainer's own random stream (<see cref="Trainer.Random"/>), saved in checkpoints.</summary>
    public int Seed { get; init; }

    /// <summary>Whether to raise <see cref="Trainer.Progress"/> after every step (epoch events are always raised).</summary>
    public bool ReportSteps { get; init; } = true;

    /// <summary>
    /// Makes this trainer one replica of a data-parallel run (e.g. <see cref="Distributed.DataParallel"/>): it trains
    /// on its shard of each batch, averages gradients over the processes and writes checkpoints only when primary.
    /// Null (default): single-process training, no MPI needed.
    /// </summary>
    public IGradientReducer? GradientReducer { get; init; }
}
