using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>One layer's forward or backward in an <see cref="OpProfiler"/>: the ops that ran for it.</summary>
/// <param name="Index">The layer's index in the graph's plan (nested graphs flattened).</param>
/// <param name="Layer">The layer's type name.</param>
/// <param name="Action">What the plan does with it; a backward of a <see cref="LayerAction.Recompute"/> or
/// <see cref="LayerAction.Rebuild"/> layer includes its recompute or rebuild.</param>
/// <param name="Backward">Whether this is the layer's backward (else its forward).</param>
/// <param name="Calls">How many times it ran.</param>
/// <param name="Time">The time of its ops.</param>
/// <param name="Bytes">The bytes its ops moved.</param>
public sealed record LayerProfileEntry(
    int Index, string Layer, LayerAction Action, bool Backward, int Calls, TimeSpan Time, long Bytes);
