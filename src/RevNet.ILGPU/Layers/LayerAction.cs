namespace RevNet.ILGPU.Layers;

/// <summary>What a graph's plan does with one layer in a training step (see <see cref="Sequential"/>).</summary>
public enum LayerAction
{
    /// <summary>Nothing is kept for backward (inference, or a training forward that keeps nothing).</summary>
    None,

    /// <summary>An ordinary layer: its forward keeps what its backward needs.</summary>
    Keep,

    /// <summary>An invertible layer in Reconstruct mode: nothing is kept, its input is rebuilt from its output in backward.</summary>
    Rebuild,

    /// <summary>A recomputable unit in Reconstruct mode: only its input is kept, it is recomputed once in backward.</summary>
    Recompute,
}
