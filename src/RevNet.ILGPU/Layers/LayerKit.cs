using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Helpers shared by the layers: renting outputs and scratch, channel halves.</summary>
internal static class LayerKit
{
    /// <summary>Rents an output or saved activation.</summary>
    public static Tensor Activation(ComputeDevice device, Shape shape) => device.Pool.Rent(shape, MemoryCategory.Activations);

    /// <summary>Rents a gradient or scratch tensor.</summary>
    public static Tensor Workspace(ComputeDevice device, Shape shape) => device.Pool.Rent(shape, MemoryCategory.Workspace);

    /// <summary>[N, C, H, W] with C even, or an ArgumentException naming the parameter.</summary>
    public static void RequireHalves(Shape shape, string paramName)
    {
        if (shape.Rank != 4 || shape[1] % 2 != 0)
        {
            throw new ArgumentException($"Expected [N, C, H, W] with an even C, got {shape}.", paramName);
        }
    }

    /// <summary>The shape of one channel half.</summary>
    public static Shape Half(Shape shape) => new(shape[0], shape[1] / 2, shape[2], shape[3]);

    /// <summary>The shape with the channels doubled.</summary>
    public static Shape Doubled(Shape shape) => new(shape[0], shape[1] * 2, shape[2], shape[3]);

    /// <summary>Splits x into two owned halves.</summary>
    public static (Tensor A, Tensor B) Split(Tensor x, MemoryCategory category)
    {
        RequireHalves(x.Shape, nameof(x));
        Shape half = Half(x.Shape);
        Tensor a = x.Device.Pool.Rent(half, category);
        Tensor b = x.Device.Pool.Rent(half, category);
        TensorOps.SplitChannels(x, a, b);
        return (a, b);
    }

    /// <summary>Concatenates two halves into a new owned tensor.</summary>
    public static Tensor Concat(Tensor a, Tensor b, MemoryCategory category)
    {
        Tensor x = a.Device.Pool.Rent(new Shape(a.Shape[0], a.Shape[1] + b.Shape[1], a.Shape[2], a.Shape[3]), category);
        TensorOps.ConcatChannels(a, b, x);
        return x;
    }
}
