namespace RevNet.ILGPU.Layers;

/// <summary>One layer's forward or backward in a graph's plan, as an <see cref="IGraphObserver"/> sees it.</summary>
/// <param name="Index">The layer's index in the plan (nested graphs flattened).</param>
/// <param name="Layer">The layer.</param>
/// <param name="Action">What the plan does with it.</param>
/// <param name="Mode">The mode its forward ran in.</param>
/// <param name="Step">The graph's training step: how many <see cref="ForwardMode.Train"/> forwards it ran before this one.</param>
/// <param name="Input">The layer's input (in backward of a rebuilt layer: the rebuilt input; may be empty otherwise).</param>
/// <param name="Output">The layer's output (forward only).</param>
/// <param name="OutputGradient">dL/d(output) (backward only).</param>
/// <param name="InputGradient">dL/d(input) (backward only).</param>
public readonly record struct LayerEvent(
    int Index,
    ILayer Layer,
    LayerAction Action,
    ForwardMode Mode,
    long Step,
    ActivationView Input,
    ActivationView Output,
    ActivationView OutputGradient,
    ActivationView InputGradient);
