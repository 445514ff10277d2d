namespace RevNet.ILGPU.Training;

/// <summary>A host copy of an optimizer's state, for checkpoints.</summary>
/// <param name="Kind">The optimizer's <see cref="IOptimizer.Kind"/>.</param>
/// <param name="StepCount">Steps taken so far.</param>
/// <param name="LearningRate">The learning rate last set.</param>
/// <param name="Tensors">State tensors, named <c>{parameter name}#{slot}</c> (e.g. <c>head.weight#momentum</c>).</param>
public sealed record OptimizerState(string Kind, int StepCount, float LearningRate, IReadOnlyList<NamedArray> Tensors);
