namespace RevNet.ILGPU.Layers;

/// <summary>
/// An inverse was asked of a graph holding a layer that loses information (a convolution with stride, pooling, the
/// stem, the head): its input cannot be rebuilt from its output.
/// </summary>
public sealed class NotInvertibleException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NotInvertibleException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public NotInvertibleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NotInvertibleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a layer of a graph.</summary>
    /// <param name="layerIndex">The layer's index in its graph.</param>
    /// <param name="layerName">The layer's name or type.</param>
    public NotInvertibleException(int layerIndex, string layerName)
        : base(
            $"Layer {layerIndex} ({layerName}) is not invertible: it does not implement IReversibleLayer, so its input "
            + "cannot be rebuilt from its output. Only graphs made entirely of reversible layers (ReversibleBlock, "
            + "AffineCoupling, ...) have an Inverse; check Sequential.IsInvertible first.")
    {
        LayerIndex = layerIndex;
        LayerName = layerName;
    }

    /// <summary>The first layer that is not invertible.</summary>
    public int LayerIndex { get; } = -1;

    /// <summary>Its name or type.</summary>
    public string LayerName { get; } = string.Empty;
}
