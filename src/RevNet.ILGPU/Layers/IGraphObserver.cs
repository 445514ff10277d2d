namespace RevNet.ILGPU.Layers;

/// <summary>
/// Watches a <see cref="Sequential"/> run its plan, layer by layer: the reconstruction checks, the reversibility audit,
/// debug captures (<see cref="LayerCapture"/>) and profilers use it. With no observer attached the graph reads
/// nothing back from the device and keeps nothing extra.
/// </summary>
/// <remarks>
/// Layers are numbered in the graph's plan, where nested <see cref="Sequential"/>s are flattened into their layers.
/// The tensors in an event are borrowed and valid only during the call; copy what you need.
/// </remarks>
public interface IGraphObserver
{
    /// <summary>After a layer's forward (input and output still alive).</summary>
    /// <param name="e">The event.</param>
    void OnForward(in LayerEvent e);

    /// <summary>
    /// After a layer's backward: its parameter gradients are final for this step; for a rebuilt layer
    /// <see cref="LayerEvent.Input"/> is the input rebuilt from its output.
    /// </summary>
    /// <param name="e">The event.</param>
    void OnBackward(in LayerEvent e);
}
