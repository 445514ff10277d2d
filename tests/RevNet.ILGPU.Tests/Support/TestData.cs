using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Tests.Support;

/// <summary>Seeded random data and tensor helpers for tests.</summary>
public static class TestData
{
    /// <summary>Uniform values in [lo, hi) from a fixed seed.</summary>
    public static float[] Uniform(int seed, long count, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        float[] a = new float[count];
        for (long i = 0; i < count; i++)
        {
            a[i] = lo + ((hi - lo) * (float)rng.NextDouble());
        }

        return a;
    }

    /// <summary>A tensor filled with the given values.</summary>
    public static Tensor ToTensor(this ComputeDevice device, float[] values, params int[] dims)
    {
        Tensor t = device.Pool.Rent(new Shape(dims), MemoryCategory.Workspace);
        t.CopyFrom(values);
        return t;
    }

    /// <summary>A tensor of uniform random values.</summary>
    public static Tensor RandomTensor(this ComputeDevice device, int seed, params int[] dims)
    {
        var shape = new Shape(dims);
        return device.ToTensor(Uniform(seed, shape.ElementCount), dims);
    }

    public static double[] ToDouble(this float[] a) => Array.ConvertAll(a, x => (double)x);
}
