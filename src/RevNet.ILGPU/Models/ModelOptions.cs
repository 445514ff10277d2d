using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Models;

/// <summary>The data a model is built for, and its initialisation seed.</summary>
public sealed record ModelOptions
{
    /// <summary>CIFAR-10: 3x32x32 images, 10 classes.</summary>
    public static ModelOptions Cifar10 { get; } = new();

    /// <summary>Fashion-MNIST (and MNIST): 1x28x28 images, 10 classes.</summary>
    public static ModelOptions FashionMnist { get; } = new() { InputChannels = 1, ImageSize = 28 };

    /// <summary>Channels of the input images.</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Height and width of the (square) input images; divisible by 4 (two stride-2 stages).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>The number of classes.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>The seed of the weight initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// How the RevNets' couplings add their branch outputs: <see cref="CouplingArithmetic.Exact"/> (default; Reconstruct
    /// gradients bit-identical to Store) or <see cref="CouplingArithmetic.Float"/>. ResNets ignore it.
    /// </summary>
    public CouplingArithmetic Arithmetic { get; init; } = CouplingArithmetic.Exact;
}
