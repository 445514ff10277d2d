using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Data;

/// <summary>
/// One batch prepared in host memory by a <see cref="BatchLoader"/>. Its arrays are recycled: the batch is valid
/// until the next call to <see cref="BatchLoader.Next"/> on the same loader.
/// </summary>
public sealed class HostBatch
{
    private readonly float[] _images;
    private readonly int[] _labels;

    internal HostBatch(float[] images, int[] labels)
    {
        _images = images;
        _labels = labels;
    }

    /// <summary>The epoch (0-based) the batch belongs to.</summary>
    public int Epoch { get; internal set; }

    /// <summary>The batch's index within its epoch.</summary>
    public int Index { get; internal set; }

    /// <summary>The number of images (the batch size, or fewer for a last partial batch).</summary>
    public int Count { get; internal set; }

    /// <summary>The shape of <see cref="Images"/>: [Count, C, H, W].</summary>
    public Shape Shape { get; internal set; }

    /// <summary>The images, NCHW, <see cref="Shape"/>'s element count values.</summary>
    public ReadOnlyMemory<float> Images => _images.AsMemory(0, (int)Shape.ElementCount);

    /// <summary>The labels, <see cref="Count"/> values.</summary>
    public ReadOnlyMemory<int> Labels => _labels.AsMemory(0, Count);

    /// <summary>The managed thread that prepared the batch (diagnostics: shows prefetching at work).</summary>
    internal int PreparedOnThread { get; set; }

    internal float[] ImageBuffer => _images;

    internal int[] LabelBuffer => _labels;

    /// <summary>
    /// Copies the images into a new pooled tensor on a device. Call it on the device's thread (pools are
    /// single-threaded).
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="category">What the tensor counts as in the pool.</param>
    /// <returns>The tensor [Count, C, H, W], owned by the caller.</returns>
    public Tensor ToTensor(ComputeDevice device, MemoryCategory category = MemoryCategory.Workspace)
    {
        ArgumentNullException.ThrowIfNull(device);
        Tensor t = device.Pool.Rent(Shape, category);
        try
        {
            t.CopyFrom(Images.Span);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"batch {Index} of epoch {Epoch}: {Shape}";
}
