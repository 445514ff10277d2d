using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>What one <see cref="TrainingStep"/> did.</summary>
/// <param name="Loss">The mean loss (NaN or infinite: the backward and update were skipped).</param>
/// <param name="Correct">Samples whose largest logit is their label.</param>
/// <param name="ForwardMilliseconds">Forward time (device-synchronised when <see cref="TrainingStep.Timed"/>).</param>
/// <param name="BackwardMilliseconds">Loss and backward time.</param>
/// <param name="UpdateMilliseconds">Optimizer time.</param>
/// <param name="InputGradient">dL/d(input) when <see cref="TrainingStep.KeepInputGradient"/>; owned by the caller.</param>
public readonly record struct StepResult(
    float Loss, int Correct, double ForwardMilliseconds, double BackwardMilliseconds, double UpdateMilliseconds, Tensor? InputGradient)
{
    /// <summary>Whether the loss was finite (and so the backward ran).</summary>
    public bool IsFinite => float.IsFinite(Loss);
}
