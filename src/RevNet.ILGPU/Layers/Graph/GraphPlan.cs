using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers.Graph;

/// <summary>One layer of a plan: how it is called and what it needs kept.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Coupling">The layer as a coupling (pair form), or null.</param>
/// <param name="Mode">The mode its forward runs in.</param>
/// <param name="Action">What the plan does with it.</param>
internal sealed record PlanStep(ILayer Layer, Coupling? Coupling, ForwardMode Mode, LayerAction Action)
{
    public bool Pair => Coupling is not null;
}

/// <summary>
/// What a graph keeps, drops or rebuilds, decided once per (forward mode, activation mode, input shape) from the
/// layers' declared properties: invertible (<see cref="IReversibleLayer"/>), <see cref="LayerTraits"/>, pair form
/// (<see cref="Coupling"/>). Boundary b is the value between step b − 1 and step b (0: the input, n: the output);
/// <see cref="HoldSingle"/>/<see cref="HoldPair"/> say which forms of it backward needs.
/// </summary>
internal sealed class GraphPlan
{
    private GraphPlan(PlanStep[] steps, bool[] holdSingle, bool[] holdPair, bool keeps)
    {
        Steps = steps;
        HoldSingle = holdSingle;
        HoldPair = holdPair;
        Keeps = keeps;
    }

    public PlanStep[] Steps { get; }

    public bool[] HoldSingle { get; }

    public bool[] HoldPair { get; }

    /// <summary>Whether a backward follows (a keeping mode).</summary>
    public bool Keeps { get; }

    public bool Holds(int boundary, bool pair) => pair ? HoldPair[boundary] : HoldSingle[boundary];

    /// <summary>Plans a pass; checks every layer's shape first so a wrong input fails before any work.</summary>
    public static GraphPlan Create(IReadOnlyList<ILayer> layers, ForwardMode mode, ActivationMode policy, Shape input)
    {
        int n = layers.Count;
        var steps = new PlanStep[n];
        bool reconstruct = mode == ForwardMode.Train && policy == ActivationMode.Reconstruct;
        bool keeps = mode.KeepsForBackward();
        Shape shape = input;
        for (int i = 0; i < n; i++)
        {
            ILayer layer = layers[i];
            try
            {
                shape = layer.GetOutputShape(shape);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Layer {i} ({layer.Name}, a {layer.GetType().Name}): {ex.Message}", nameof(input), ex);
            }

            LayerAction action = !keeps ? LayerAction.None
                : reconstruct && layer is IReversibleLayer ? LayerAction.Rebuild
                : reconstruct && layer.Traits.HasFlag(LayerTraits.Recomputable) ? LayerAction.Recompute
                : LayerAction.Keep;
            ForwardMode stepMode = action is LayerAction.Rebuild or LayerAction.Recompute ? ForwardMode.TrainNoSave : mode;
            steps[i] = new PlanStep(layer, layer as Coupling, stepMode, action);
        }

        bool[] single = new bool[n + 1], pair = new bool[n + 1];
        for (int i = 0; i < n; i++)
        {
            PlanStep s = steps[i];
            bool[] form = s.Pair ? pair : single;
            switch (s.Action)
            {
                case LayerAction.Keep:
                    form[i] |= !s.Layer.Traits.HasFlag(LayerTraits.ShapeOnlyBackward) || s.Pair;
                    pair[i + 1] |= s.Pair; // a coupling's G keeps a reference to y1
                    break;
                case LayerAction.Recompute:
                    form[i] = true;
                    break;
                case LayerAction.Rebuild:
                    form[i + 1] |= i == n - 1 || steps[i + 1].Action != LayerAction.Rebuild;
                    break;
            }
        }

        return new GraphPlan(steps, single, pair, keeps);
    }
}
