using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using Tensor = RevNet.ILGPU.Tensors.Tensor;

namespace RevNet.ILGPU.Onnx.Tests;

/// <summary>Runs a layer in the library's eval mode and its ONNX export in ONNX Runtime (CPU) on the same inputs.</summary>
public static class OnnxParity
{
    public const double Tolerance = 1e-4;

    /// <summary>Random N(0, 1) inputs from a seed.</summary>
    public static float[] RandomInput(Shape shape, int seed)
    {
        var rng = new Random(seed);
        float[] x = new float[shape.ElementCount];
        for (int i = 0; i < x.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            x[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return x;
    }

    /// <summary>Gives every batch-norm of a model random affine parameters and running statistics, so folding and the
    /// BatchNormalization nodes are exercised with values other than the identity.</summary>
    public static void RandomizeBatchNorms(ILayer root, int seed)
    {
        var rng = new Random(seed);
        foreach (BatchNorm2d bn in Walk(root).OfType<BatchNorm2d>())
        {
            Fill(bn.Gamma, 0.6, 1.4);
            Fill(bn.Beta, -0.2, 0.2);
            Fill(bn.RunningMean, -0.3, 0.3);
            Fill(bn.RunningVar, 0.5, 1.5);
        }

        void Fill(Parameter p, double lo, double hi)
        {
            float[] v = new float[p.Shape.ElementCount];
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = (float)(lo + ((hi - lo) * rng.NextDouble()));
            }

            p.Value.CopyFrom(v);
        }
    }

    /// <summary>
    /// Random batch-norm affine parameters, then running statistics calibrated by training-mode forwards on random
    /// inputs (as training would leave them), so the eval-mode network keeps its activations at a trained network's
    /// scale instead of growing with depth.
    /// </summary>
    public static void RandomizeAndCalibrate(ComputeDevice device, ILayer root, Shape shape, int seed, int passes = 12)
    {
        RandomizeBatchNorms(root, seed);
        foreach (BatchNorm2d bn in Walk(root).OfType<BatchNorm2d>())
        {
            bn.RunningMean.Value.CopyFrom(new float[bn.Channels]);
            bn.RunningVar.Value.CopyFrom(Enumerable.Repeat(1f, bn.Channels).ToArray());
        }

        for (int k = 0; k < passes; k++)
        {
            using Tensor x = device.Pool.Rent(shape, MemoryCategory.Workspace);
            x.CopyFrom(RandomInput(shape, seed + 1000 + k));
            root.Forward(x, ForwardMode.TrainNoSave).Dispose();
        }
    }

    /// <summary>Every layer under a root, depth first.</summary>
    public static IEnumerable<ILayer> Walk(ILayer root)
    {
        yield return root;
        IEnumerable<ILayer> children = root switch
        {
            Models.Model m => [m.Network],
            Layer l => l.Children,
            _ => [],
        };
        foreach (ILayer child in children)
        {
            foreach (ILayer l in Walk(child))
            {
                yield return l;
            }
        }
    }

    public static float[] RunLibrary(ComputeDevice device, ILayer layer, Shape shape, float[] input)
    {
        using Tensor x = device.Pool.Rent(shape, MemoryCategory.Workspace);
        x.CopyFrom(input);
        using Tensor y = layer.Forward(x, ForwardMode.Inference);
        return y.ToArray();
    }

    public static float[] RunOnnx(byte[] model, Shape shape, float[] input, string inputName = "input")
    {
        using InferenceSession session = CreateSession(model);
        return RunOnnx(session, shape, input, inputName);
    }

    /// <summary>A CPU session on one thread (deterministic, and fair to the other processes of a test run).</summary>
    public static InferenceSession CreateSession(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    public static float[] RunOnnx(InferenceSession session, Shape shape, float[] input, string inputName = "input")
    {
        var tensor = new DenseTensor<float>(input, [shape[0], shape[1], shape[2], shape[3]]);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        return [.. results.First().AsTensor<float>()];
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        a.Length.Should().Be(b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        }

        return worst;
    }

    public static int[] ArgMax(float[] logits, int classes) =>
        [.. Enumerable.Range(0, logits.Length / classes).Select(n =>
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (logits[(n * classes) + c] > logits[(n * classes) + best])
                {
                    best = c;
                }
            }

            return best;
        })];
}
