namespace RevNet.ILGPU.Layers;

/// <summary>One layer's forward or backward in a graph's plan, as an <see cref="IGraphObserver"/> sees it.</summary>
public readonly struct LayerEvent
{
    internal LayerEvent(
        int index, ILayer layer, LayerAction action, ForwardMode mode, long step, ActivationView input,
        ActivationView output, ActivationView outputGradient, ActivationView inputGradient)
    {
        Index = index;
        Layer = layer;
        Action = action;
        Mode = mode;
        Step = step;
        Input = input;
        Output = output;
        OutputGradient = outputGradient;
        InputGradient = inputGradient;
    }

    /// <summary>The layer's index in the plan (nested graphs flattened).</summary>
    public int Index { get; }

    /// <summary>The layer.</summary>
    public ILayer Layer { get; }

    /// <summary>What the plan does with it.</summary>
    public LayerAction Action { get; }

    /// <summary>The mode its forward ran in.</summary>
    public ForwardMode Mode { get; }

    /// <summary>The graph's training step: how many <see cref="ForwardMode.Train"/> forwards it ran before this one.</summary>
    public long Step { get; }

    /// <summary>The layer's input (in backward of a rebuilt layer: the rebuilt input; may be empty otherwise).</summary>
    public ActivationView Input { get; }

    /// <summary>The layer's output (forward only).</summary>
    public ActivationView Output { get; }

    /// <summary>dL/d(output) (backward only).</summary>
    public ActivationView OutputGradient { get; }

    /// <summary>dL/d(input) (backward only).</summary>
    public ActivationView InputGradient { get; }
}
