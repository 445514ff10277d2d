using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A named trainable tensor and its gradient. Backward passes <b>accumulate</b> into <see cref="Gradient"/>;
/// the optimizer's <c>ZeroGradients</c> clears it.
/// </summary>
public sealed class Parameter : IDisposable
{
    /// <summary>Allocates the value (uninitialised) and a zeroed gradient on the device.</summary>
    /// <param name="device">The device.</param>
    /// <param name="name">A unique, stable name such as <c>stage1.block0.f.conv1.weight</c>.</param>
    /// <param name="shape">The shape.</param>
    /// <param name="trainable">False for buffers (BN running statistics): no gradient is allocated.</param>
    public Parameter(ComputeDevice device, string name, Shape shape, bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Value = device.Pool.Rent(shape, MemoryCategory.Parameters);
        Gradient = trainable ? device.Pool.RentZeroed(shape, MemoryCategory.Gradients) : null;
    }

    /// <summary>The unique name.</summary>
    public string Name { get; set; }

    /// <summary>The value.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient; null for non-trainable buffers.</summary>
    public Tensor? Gradient { get; }

    /// <summary>The shape.</summary>
    public Shape Shape => Value.Shape;

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Shape}";

    /// <summary>Returns both tensors to the pool.</summary>
    public void Dispose()
    {
        Value.Dispose();
        Gradient?.Dispose();
    }
}
