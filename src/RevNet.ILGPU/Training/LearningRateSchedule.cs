namespace RevNet.ILGPU.Training;

/// <summary>
/// The learning rate as a function of the global step (0-based, counted over all epochs). Build one with
/// <see cref="Constant"/>, <see cref="Step"/> or <see cref="Cosine"/>, optionally followed by
/// <see cref="WithWarmup"/>. Computed in double and rounded once, so it is the same on every run.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The peak (base) learning rate.</summary>
    public abstract float BaseLearningRate { get; }

    /// <summary>A constant learning rate.</summary>
    /// <param name="learningRate">The rate (finite, ≥ 0).</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule Constant(float learningRate) => new ConstantSchedule(Check(learningRate));

    /// <summary>
    /// Step decay: the rate is multiplied by <paramref name="gamma"/> at each milestone step
    /// (e.g. the RevNet paper's ×0.1 at 40k and 60k iterations).
    /// </summary>
    /// <param name="learningRate">The initial rate.</param>
    /// <param name="milestones">Global steps at which the rate decays, increasing.</param>
    /// <param name="gamma">The factor at each milestone, in (0, 1].</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentException">Milestones are not increasing and positive, or gamma is out of range.</exception>
    public static LearningRateSchedule Step(float learningRate, IReadOnlyList<int> milestones, float gamma = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        if (!(gamma > 0 && gamma <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"Invalid gamma: {gamma}; expected (0, 1].");
        }

        for (int i = 0; i < milestones.Count; i++)
        {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
            {
                throw new ArgumentException($"Milestones must be positive and increasing: [{string.Join(", ", milestones)}].", nameof(milestones));
            }
        }

        return new StepSchedule(Check(learningRate), [.. milestones], gamma);
    }

    /// <summary>
    /// Cosine annealing from the rate to <paramref name="minLearningRate"/> over <paramref name="totalSteps"/>:
    /// lr(t) = min + (base − min)·(1 + cos(π·t/T))/2, and min after T.
    /// </summary>
    /// <param name="learningRate">The initial rate.</param>
    /// <param name="totalSteps">T, the steps of the whole run (epochs × batches per epoch).</param>
    /// <param name="minLearningRate">The final rate.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule Cosine(float learningRate, long totalSteps, float minLearningRate = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        Check(minLearningRate);
        if (minLearningRate > learningRate)
        {
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The final rate exceeds the initial rate.");
        }

        return new CosineSchedule(Check(learningRate), totalSteps, minLearningRate);
    }

    /// <summary>The learning rate for a global step.</summary>
    /// <param name="step">The step, from 0.</param>
    /// <returns>The rate.</returns>
    public float GetLearningRate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)Compute(step);
    }

    /// <summary>
    /// Linear warmup: the rate ramps from base/W to the scheduled rate over the first W steps
    /// (lr(t) = schedule(t)·(t + 1)/W for t &lt; W).
    /// </summary>
    /// <param name="warmupSteps">W; 0 returns this schedule.</param>
    /// <returns>The schedule with warmup.</returns>
    public LearningRateSchedule WithWarmup(long warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        return warmupSteps == 0 ? this : new WarmupSchedule(this, warmupSteps);
    }

    /// <summary>The rate at a step, in double.</summary>
    /// <param name="step">The step, from 0.</param>
    /// <returns>The rate.</returns>
    protected abstract double Compute(long step);

    private static float Check(float learningRate)
    {
        if (!(learningRate >= 0) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"Invalid learning rate: {learningRate}; expected a finite value >= 0.");
        }

        return learningRate;
    }

    private sealed class ConstantSchedule(float lr) : LearningRateSchedule
    {
        public override float BaseLearningRate => lr;

        public override string ToString() => $"constant {lr}";

        protected override double Compute(long step) => lr;
    }

    private sealed class StepSchedule(float lr, int[] milestones, float gamma) : LearningRateSchedule
    {
        public override float BaseLearningRate => lr;

        public override string ToString() => $"step {lr}, x{gamma} at [{string.Join(", ", milestones)}]";

        protected override double Compute(long step)
        {
            double rate = lr;
            foreach (int m in milestones)
            {
                if (step >= m)
                {
                    rate *= gamma;
                }
            }

            return rate;
        }
    }

    private sealed class CosineSchedule(float lr, long total, float min) : LearningRateSchedule
    {
        public override float BaseLearningRate => lr;

        public override string ToString() => $"cosine {lr} -> {min} over {total} steps";

        protected override double Compute(long step)
        {
            double t = Math.Min(step, total) / (double)total;
            return min + ((lr - (double)min) * 0.5 * (1.0 + Math.Cos(Math.PI * t)));
        }
    }

    private sealed class WarmupSchedule(LearningRateSchedule inner, long warmup) : LearningRateSchedule
    {
        public override float BaseLearningRate => inner.BaseLearningRate;

        public override string ToString() => $"{inner} with {warmup} warmup steps";

        protected override double Compute(long step) =>
            step < warmup ? inner.Compute(step) * (step + 1) / warmup : inner.Compute(step);
    }
}
