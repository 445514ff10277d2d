using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Models;

/// <summary>
/// A network from <see cref="ModelZoo"/>: an <see cref="ILayer"/> from images [N, C, H, W] to logits [N, classes],
/// with its name, depth and parameter count. <see cref="Mode"/> switches the same weights between storing and
/// reconstructing activations.
/// </summary>
public sealed class Model : ILayer
{
    internal Model(string name, int depth, bool reversible, ModelOptions options, Sequential network)
    {
        Name = name;
        Depth = depth;
        IsReversible = reversible;
        Options = options;
        Network = network;
        ParameterCount = network.Parameters.Sum(p => p.Value.ElementCount);
        Mode = reversible ? ActivationMode.Reconstruct : ActivationMode.Store;
    }

    /// <summary>The zoo name, e.g. <c>revnet38</c>.</summary>
    public string Name { get; }

    /// <summary>The depth in the papers' sense: weighted layers on the longest path (convolutions and the head).</summary>
    public int Depth { get; }

    /// <summary>Whether the body is made of reversible couplings (a RevNet).</summary>
    public bool IsReversible { get; }

    /// <summary>The input and class shapes it was built for.</summary>
    public ModelOptions Options { get; }

    /// <summary>The layer graph.</summary>
    public Sequential Network { get; }

    /// <summary>Trainable scalars.</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// How training forwards keep activations. RevNets start in <see cref="ActivationMode.Reconstruct"/>, ResNets in
    /// <see cref="ActivationMode.Store"/> (in Reconstruct a ResNet keeps only each unit's input and recomputes it).
    /// </summary>
    public ActivationMode Mode
    {
        get => Network.Mode;
        set => Network.Mode = value;
    }

    /// <summary>The input shape for a batch size.</summary>
    /// <param name="batch">N.</param>
    /// <returns>[N, C, H, W].</returns>
    public Shape InputShape(int batch) => new(batch, Options.InputChannels, Options.ImageSize, Options.ImageSize);

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters => Network.Parameters;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Buffers => Network.Buffers;

    /// <inheritdoc />
    public Shape GetOutputShape(Shape input) => Network.GetOutputShape(input);

    /// <inheritdoc />
    public LayerTraits Traits => Network.Traits;

    /// <inheritdoc />
    public Tensor Forward(Tensor input, ForwardMode mode) => Network.Forward(input, mode);

    /// <inheritdoc />
    public void Recompute(Tensor input) => Network.Recompute(input);

    /// <inheritdoc />
    public Tensor Backward(Tensor outputGradient) => Network.Backward(outputGradient);

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({ParameterCount:N0} parameters, {Mode})";
}
