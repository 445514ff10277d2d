using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.DeviceCheck;

/// <summary>Tensors of one check case on one device, all disposed together; inputs drawn from fixed seeds.</summary>
internal sealed class TensorScope(ComputeDevice device) : IDisposable
{
    private readonly List<Tensor> _tensors = [];

    public ComputeDevice Device { get; } = device;

    /// <summary>A tensor of uniform values in [-1, 1) from <paramref name="seed"/> (the same on every device).</summary>
    public Tensor Random(int seed, params int[] dims)
    {
        Tensor t = Zeros(dims);
        t.CopyFrom(Values(seed, t.ElementCount));
        return t;
    }

    /// <summary>A zeroed tensor.</summary>
    public Tensor Zeros(params int[] dims)
    {
        Tensor t = Device.Pool.RentZeroed(new Shape(dims), MemoryCategory.Workspace);
        _tensors.Add(t);
        return t;
    }

    public static float[] Values(int seed, long count)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = (2f * random.NextSingle()) - 1f;
        }

        return values;
    }

    public void Dispose()
    {
        foreach (Tensor t in _tensors)
        {
            t.Dispose();
        }
    }
}
