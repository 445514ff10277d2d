namespace RevNet.ILGPU.Layers;

/// <summary>
/// A NaN or an infinity appeared in an activation that a <see cref="Sequential"/> rebuilt during a memory-free
/// backward (with <see cref="ReconstructionMonitor.CheckNonFinite"/>). Names the layer and the tensor.
/// </summary>
public sealed class NonFiniteActivationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteActivationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public NonFiniteActivationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NonFiniteActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a value found in a rebuilt tensor.</summary>
    /// <param name="layerIndex">The layer's index in its graph.</param>
    /// <param name="layerName">The layer's name (a block name such as <c>stage1.unit2</c>).</param>
    /// <param name="tensorName">The tensor, e.g. <c>rebuilt input</c>.</param>
    /// <param name="elementIndex">The first bad element (flat; halves one after the other).</param>
    /// <param name="value">The value.</param>
    public NonFiniteActivationException(int layerIndex, string layerName, string tensorName, long elementIndex, float value)
        : base(
            $"{(float.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity")} in the {tensorName} of layer {layerIndex} "
            + $"({layerName}) at element {elementIndex}, found while rebuilding activations in Reconstruct mode. "
            + "The weights or the saved output went non-finite between forward and backward; lower the learning rate, "
            + "or train in ActivationMode.Store to locate the fault.")
    {
        LayerIndex = layerIndex;
        LayerName = layerName;
        TensorName = tensorName;
        ElementIndex = elementIndex;
        Value = value;
    }

    /// <summary>The layer's index in its graph.</summary>
    public int LayerIndex { get; }

    /// <summary>The layer's name.</summary>
    public string LayerName { get; } = string.Empty;

    /// <summary>The tensor that held the value.</summary>
    public string TensorName { get; } = string.Empty;

    /// <summary>The first bad element.</summary>
    public long ElementIndex { get; }

    /// <summary>The value (NaN or ±∞).</summary>
    public float Value { get; }
}
