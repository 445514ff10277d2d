using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Layers;

/// <summary>Helpers for layer, coupling and model tests: small residual functions, gradients, comparisons.</summary>
public static class LayerTestKit
{
    /// <summary>BN-ReLU-conv3x3 on c channels: a small, shape-preserving, non-trivial F or G.</summary>
    public static Sequential SmallResidual(ComputeDevice device, int c, int seed, string name) =>
        new(new BatchNorm2d(device, c, relu: true, name: name + ".bn"), new Conv2d(device, c, c, 3, seed: seed, name: name + ".conv"));

    /// <summary>The paper's basic function BN-ReLU-conv3x3-BN-ReLU-conv3x3.</summary>
    public static Sequential BasicResidual(ComputeDevice device, int c, int seed, string name) =>
        new(
            new BatchNorm2d(device, c, relu: true, name: name + ".bn1"),
            new Conv2d(device, c, c, 3, seed: seed, name: name + ".conv1"),
            new BatchNorm2d(device, c, relu: true, name: name + ".bn2"),
            new Conv2d(device, c, c, 3, seed: seed + 7919, name: name + ".conv2"));

    /// <summary>A reversible block on 2c channels with basic F and G.</summary>
    public static ReversibleBlock Block(ComputeDevice device, int channels, int seed, string name = "block") =>
        new(BasicResidual(device, channels / 2, seed, name + ".f"), BasicResidual(device, channels / 2, seed + 101, name + ".g"), name);

    public static void ZeroGradients(ILayer layer)
    {
        foreach (Parameter p in layer.Parameters)
        {
            TensorOps.Fill(p.Gradient!, 0f);
        }
    }

    public static float[][] Gradients(ILayer layer) => [.. layer.Parameters.Select(p => p.Gradient!.ToArray())];

    public static float[][] Values(IEnumerable<Parameter> ps) => [.. ps.Select(p => p.Value.ToArray())];

    public static void Load(IEnumerable<Parameter> ps, float[][] values)
    {
        int i = 0;
        foreach (Parameter p in ps)
        {
            p.Value.CopyFrom(values[i++]);
        }
    }

    /// <summary>Σ r ⊙ y in double.</summary>
    public static double Dot(float[] r, float[] y)
    {
        double s = 0;
        for (int i = 0; i < r.Length; i++)
        {
            s += (double)r[i] * y[i];
        }

        return s;
    }

    public static double MaxAbs(float[] a) => a.Length == 0 ? 0 : a.Max(v => Math.Abs((double)v));

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        }

        return m;
    }

    /// <summary>‖a − b‖ / ‖b‖.</summary>
    public static double RelativeError(float[] a, float[] b)
    {
        double d = 0, n = 0;
        for (int i = 0; i < a.Length; i++)
        {
            d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            n += (double)b[i] * b[i];
        }

        return n == 0 ? Math.Sqrt(d) : Math.Sqrt(d / n);
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static float[] Flatten(float[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>
    /// One training forward and backward with L = Σ r ⊙ y; returns (loss, dL/dx). Gradients accumulate into the
    /// layer's parameters.
    /// </summary>
    public static (double Loss, float[] InputGradient) Step(ILayer layer, Tensor x, int seed)
    {
        ComputeDevice device = x.Device;
        using Tensor y = layer.Forward(x, training: true);
        float[] r = TestData.Uniform(seed, y.ElementCount);
        double loss = Dot(r, y.ToArray());
        using Tensor dy = device.ToTensor(r, [.. y.Shape.Dims]);
        y.Dispose();
        using Tensor dx = layer.Backward(dy);
        return (loss, dx.ToArray());
    }
}
