using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>Helpers shared by the layers: running any layer in a mode, channel halves, seeded initialisation.</summary>
internal static class LayerKit
{
    /// <summary>Runs a layer in a mode; layers outside the library see only training or evaluation.</summary>
    public static Tensor Run(ILayer layer, Tensor input, ForwardMode mode) =>
        layer is IModalLayer modal ? modal.Forward(input, mode) : layer.Forward(input, mode != ForwardMode.Inference);

    /// <summary>Readies a layer's Backward after a no-save forward, skipping its output where it can.</summary>
    public static void Prepare(ILayer layer, Tensor input)
    {
        if (layer is IModalLayer modal)
        {
            modal.PrepareBackward(input);
        }
        else
        {
            layer.Forward(input, training: true).Dispose();
        }
    }

    /// <summary>Whether a layer run in this mode keeps what its Backward needs.</summary>
    public static bool Keeps(ForwardMode mode) => mode is ForwardMode.Train or ForwardMode.Recompute;

    /// <summary>The mode of the public <see cref="ILayer.Forward"/>.</summary>
    public static ForwardMode ModeOf(bool training) => training ? ForwardMode.Train : ForwardMode.Inference;

    /// <summary>Rents an output or saved activation.</summary>
    public static Tensor Activation(ComputeDevice device, Shape shape) => device.Pool.Rent(shape, MemoryCategory.Activations);

    /// <summary>Rents a gradient or scratch tensor.</summary>
    public static Tensor Workspace(ComputeDevice device, Shape shape) => device.Pool.Rent(shape, MemoryCategory.Workspace);

    /// <summary>The exception for Backward without a preceding training Forward.</summary>
    public static InvalidOperationException NoForward(object layer) =>
        new($"{layer.GetType().Name}.Backward was called without a preceding training Forward "
            + "(or a second time for one forward).");

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

    /// <summary>Fills t with N(0, std²) values from a seeded generator (Box–Muller, double precision).</summary>
    public static void InitNormal(Tensor t, double std, int seed)
    {
        var rng = new Random(seed);
        float[] v = new float[t.ElementCount];
        for (int i = 0; i < v.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            v[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        t.CopyFrom(v);
    }

    /// <summary>Fills t with U(−bound, bound) values from a seeded generator.</summary>
    public static void InitUniform(Tensor t, double bound, int seed)
    {
        var rng = new Random(seed);
        float[] v = new float[t.ElementCount];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)(bound * ((2.0 * rng.NextDouble()) - 1.0));
        }

        t.CopyFrom(v);
    }
}
