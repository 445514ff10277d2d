namespace RevNet.ILGPU.Training;

/// <summary>Loss and accuracy over a whole dataset.</summary>
/// <param name="Loss">The mean loss per image.</param>
/// <param name="Accuracy">The fraction of images classified correctly.</param>
/// <param name="Count">The number of images.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, long Count, double Seconds);
