using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Training;

/// <summary>
/// Updates parameters from their accumulated gradients. State (momentum, Adam moments) lives on the parameters'
/// device, rented as <see cref="Tensors.MemoryCategory.OptimizerState"/>, one set per parameter, created on the first
/// step.
/// </summary>
public interface IOptimizer : IDisposable
{
    /// <summary>A short identifier (<c>sgd</c>, <c>adam</c>); checkpoints check it.</summary>
    string Kind { get; }

    /// <summary>The learning rate used by the next <see cref="Step"/> (a schedule sets it every step).</summary>
    float LearningRate { get; set; }

    /// <summary>How many steps were taken.</summary>
    int StepCount { get; }

    /// <summary>Applies one update to every trainable parameter (those with a gradient).</summary>
    /// <param name="parameters">The parameters, in a stable order.</param>
    void Step(IReadOnlyList<Parameter> parameters);

    /// <summary>
    /// Sets every gradient to zero (backward passes accumulate into them) and readies the optimizer state of these
    /// parameters, so that a training step allocates nothing once the first has run.
    /// </summary>
    /// <param name="parameters">The parameters.</param>
    void ZeroGradients(IReadOnlyList<Parameter> parameters);

    /// <summary>Copies the state to the host.</summary>
    /// <returns>The state, with tensors named after their parameters.</returns>
    OptimizerState ExportState();

    /// <summary>Replaces the state with a saved one.</summary>
    /// <param name="state">A state from <see cref="ExportState"/> of the same kind of optimizer.</param>
    /// <param name="parameters">The parameters the state belongs to (matched by name).</param>
    /// <exception cref="ArgumentException">Kind, names or shapes do not match.</exception>
    void ImportState(OptimizerState state, IReadOnlyList<Parameter> parameters);
}
