using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Short forms over <see cref="ILayer"/>.</summary>
public static class LayerExtensions
{
    /// <summary>Runs a layer for training (<see cref="ForwardMode.Train"/>) or evaluation (<see cref="ForwardMode.Inference"/>).</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="input">The input (borrowed).</param>
    /// <param name="training">True keeps what Backward needs and uses batch statistics.</param>
    /// <returns>The output, owned by the caller.</returns>
    public static Tensor Forward(this ILayer layer, Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.Forward(input, ForwardModes.Of(training));
    }

    /// <summary>Every layer below this one (depth first, in order), this one excluded.</summary>
    /// <param name="layer">The root.</param>
    /// <returns>The descendants that expose their children through <see cref="Layer.Children"/>.</returns>
    public static IEnumerable<ILayer> Descendants(this ILayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is not Layer composite)
        {
            yield break;
        }

        foreach (ILayer child in composite.Children)
        {
            yield return child;
            foreach (ILayer below in child.Descendants())
            {
                yield return below;
            }
        }
    }
}
