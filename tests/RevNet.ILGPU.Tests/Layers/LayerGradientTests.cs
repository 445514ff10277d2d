using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Layers;

/// <summary>
/// Layer backward passes against central finite differences on the float32 device code (a smoke check:
/// ε = 1e-2, rtol 1e-2, about 20 coordinates per tensor, L = Σ r ⊙ y), on tiny shapes.
/// </summary>
public abstract class LayerGradientTests(DeviceFixture fixture)
{
    private const float Eps = 1e-2f;

    [SkippableTheory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(2, 1)]
    public void Conv2d_Backward_MatchesFiniteDifferences(int stride, int kernel)
    {
        ComputeDevice device = fixture.Require();
        using var conv = new Conv2d(device, 3, 4, kernel, stride, seed: 5, name: "conv");
        CheckLayer(device, conv, [2, 3, 6, 6], seed: 1);
    }

    [SkippableFact]
    public void BatchNorm2d_Backward_MatchesFiniteDifferences()
    {
        ComputeDevice device = fixture.Require();
        using var bn = new BatchNorm2d(device, 3, relu: false, name: "bn");
        bn.Gamma.Value.CopyFrom([1.5f, 0.7f, -1.1f]);
        bn.Beta.Value.CopyFrom([0.2f, -0.3f, 0.1f]);
        CheckLayer(device, bn, [2, 3, 4, 4], seed: 2);
    }

    [SkippableFact]
    public void Linear_Backward_MatchesFiniteDifferences()
    {
        ComputeDevice device = fixture.Require();
        using var fc = new Linear(device, 12, 5, seed: 3);
        CheckLayer(device, fc, [3, 12], seed: 3);
    }

    [SkippableFact]
    public void PoolingAndShortcut_Backward_MatchFiniteDifferences()
    {
        ComputeDevice device = fixture.Require();
        using var gap = new GlobalAvgPool();
        CheckLayer(device, gap, [2, 3, 4, 4], seed: 4);
        using var shortcut = new PoolPadShortcut(2, 6, stride: 2);
        CheckLayer(device, shortcut, [2, 2, 4, 4], seed: 5);
        using var relu = new Relu();
        CheckLayer(device, relu, [2, 3, 4, 4], seed: 6, awayFromZero: true);
    }

    [SkippableFact]
    public void BatchNorm2d_FusedRelu_EqualsBatchNormThenRelu()
    {
        ComputeDevice device = fixture.Require();
        using var fused = new BatchNorm2d(device, 3, relu: true, name: "a");
        using var chain = new Sequential(new BatchNorm2d(device, 3, relu: false, name: "b"), new Relu());
        using Tensor x = device.RandomTensor(7, 2, 3, 4, 4);
        (double lossF, float[] dxF) = LayerTestKit.Step(fused, x, seed: 8);
        (double lossC, float[] dxC) = LayerTestKit.Step(chain, x, seed: 8);
        lossF.Should().BeApproximately(lossC, 1e-5);
        using (Tensor y = fused.Forward(x, training: true))
        {
            float[] ys = y.ToArray();
            ys.Count(v => v == 0).Should().BeGreaterThan(ys.Length / 5, "the fused ReLU must clip");
        }

        TensorAssert.Close(dxF, dxC, atol: 1e-5, rtol: 1e-4, what: "dx");
        float[][] gF = LayerTestKit.Gradients(fused), gC = LayerTestKit.Gradients(chain);
        TensorAssert.Close(gF[0], gC[0], atol: 1e-5, rtol: 1e-4, what: "dgamma");
        TensorAssert.Close(gF[1], gC[1], atol: 1e-5, rtol: 1e-4, what: "dbeta");
    }

    [SkippableFact]
    public void BatchNorm2d_Training_UpdatesRunningStatsOnce_EvalUsesThem()
    {
        ComputeDevice device = fixture.Require();
        using var bn = new BatchNorm2d(device, 2, momentum: 0.1f);
        float[] xs = TestData.Uniform(9, 2 * 2 * 3 * 3, 0f, 2f);
        using Tensor x = device.ToTensor(xs, 2, 2, 3, 3);
        using (Tensor y = bn.Forward(x, training: true))
        {
        }

        bn.RunningUpdates.Should().Be(1);
        double[] mean = new double[2], var = new double[2];
        for (int c = 0; c < 2; c++)
        {
            double[] v = [.. Enumerable.Range(0, 2).SelectMany(n => Enumerable.Range(0, 9).Select(k => (double)xs[(((n * 2) + c) * 9) + k]))];
            mean[c] = v.Average();
            var[c] = v.Sum(a => (a - mean[c]) * (a - mean[c])) / (v.Length - 1);
        }

        TensorAssert.Close(bn.RunningMean.Value.ToArray(), [0.1 * mean[0], 0.1 * mean[1]], atol: 1e-6, rtol: 1e-5, what: "running mean");
        TensorAssert.Close(bn.RunningVar.Value.ToArray(), [0.9 + (0.1 * var[0]), 0.9 + (0.1 * var[1])], atol: 1e-6, rtol: 1e-5, what: "running var");

        using Tensor yEval = bn.Forward(x, training: false);
        bn.RunningUpdates.Should().Be(1, "evaluation leaves the running statistics alone");
        float[] rm = bn.RunningMean.Value.ToArray(), rv = bn.RunningVar.Value.ToArray();
        double[] expected = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int c = (i / 9) % 2;
            expected[i] = (xs[i] - rm[c]) / Math.Sqrt(rv[c] + 1e-5);
        }

        TensorAssert.Close(yEval.ToArray(), expected, atol: 1e-5, rtol: 1e-4, what: "eval output");
    }

    [SkippableFact]
    public void Backward_BeforeTrainingForward_ThrowsInvalidOperation_ForEveryLayer()
    {
        ComputeDevice device = fixture.Require();
        using Tensor x4 = device.RandomTensor(1, 2, 4, 4, 4);
        using Tensor x2 = device.RandomTensor(2, 2, 16);
        var layers = new (ILayer Layer, Tensor Input)[]
        {
            (new Conv2d(device, 4, 4, 3), x4),
            (new BatchNorm2d(device, 4, relu: true), x4),
            (new Relu(), x4),
            (new Linear(device, 16, 3), x2),
            (new GlobalAvgPool(), x4),
            (new PoolPadShortcut(4, 6, 2), x4),
            (new Sequential(new Conv2d(device, 4, 4, 3), new Relu()), x4),
            (new ResidualUnit(new Conv2d(device, 4, 4, 3), null), x4),
            (new CouplingTransition(new Conv2d(device, 2, 2, 3), new Conv2d(device, 2, 2, 3), null, null), x4),
            (LayerTestKit.Block(device, 4, seed: 1), x4),
        };
        try
        {
            foreach ((ILayer layer, Tensor input) in layers)
            {
                Shape outShape = layer.GetOutputShape(input.Shape);
                using Tensor dy = device.Pool.RentZeroed(outShape, MemoryCategory.Workspace);
                Action fresh = () => layer.Backward(dy).Dispose();
                fresh.Should().Throw<InvalidOperationException>($"{layer.GetType().Name} has not run forward");

                layer.Forward(input, training: false).Dispose();
                Action afterEval = () => layer.Backward(dy).Dispose();
                afterEval.Should().Throw<InvalidOperationException>($"{layer.GetType().Name} ran only in evaluation mode");

                layer.Forward(input, training: true).Dispose();
                layer.Backward(dy).Dispose();
                Action twice = () => layer.Backward(dy).Dispose();
                twice.Should().Throw<InvalidOperationException>($"{layer.GetType().Name} consumed its forward");
            }
        }
        finally
        {
            foreach ((ILayer layer, _) in layers)
            {
                layer.Dispose();
            }
        }
    }

    [SkippableFact]
    public void Layers_AfterDispose_ReturnEveryBuffer()
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        long parameters = device.Pool.CurrentBytes(MemoryCategory.Parameters);
        using (Tensor x = device.RandomTensor(3, 2, 4, 6, 6))
        {
            var net = new Sequential(
                new Conv2d(device, 4, 8, 3, name: "c1"),
                new BatchNorm2d(device, 8, relu: true, name: "b1"),
                new CouplingTransition(
                    LayerTestKit.SmallResidual(device, 4, 1, "t.f"), LayerTestKit.SmallResidual(device, 4, 2, "t.g"), null, null),
                LayerTestKit.Block(device, 8, seed: 3),
                new ResidualUnit(LayerTestKit.SmallResidual(device, 8, 4, "r.f"), null),
                new GlobalAvgPool(),
                new Linear(device, 8, 3));
            foreach (ActivationMode mode in new[] { ActivationMode.Store, ActivationMode.Reconstruct })
            {
                net.Mode = mode;
                LayerTestKit.Step(net, x, seed: 4);
            }

            // A forward whose backward never comes must not leak either.
            net.Forward(x, training: true).Dispose();
            net.Dispose();
        }

        device.Pool.RentedCount.Should().Be(rented);
        device.Pool.CurrentBytes(MemoryCategory.Parameters).Should().Be(parameters);
    }

    [SkippableFact]
    public void Conv2d_Init_IsKaimingFanOut_AndSeeded()
    {
        ComputeDevice device = fixture.Require();
        using var a = new Conv2d(device, 16, 32, 3, seed: 7);
        using var b = new Conv2d(device, 16, 32, 3, seed: 7);
        float[] w = a.Weight.Value.ToArray();
        TensorAssert.BitIdentical(w, b.Weight.Value.ToArray(), "same seed");
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        std.Should().BeApproximately(Math.Sqrt(2.0 / (32 * 9)), 0.01);
        Math.Abs(w.Average()).Should().BeLessThan(0.01f);
    }

    private static void CheckLayer(ComputeDevice device, ILayer layer, int[] dims, int seed, bool awayFromZero = false)
    {
        var shape = new Shape(dims);
        float[] xs = awayFromZero
            ? [.. GradientCheck.AwayFromZero(seed, (int)shape.ElementCount, 0.1).Select(v => (float)v)]
            : TestData.Uniform(seed, shape.ElementCount);
        using Tensor x = device.ToTensor(xs, dims);
        float[] r = TestData.Uniform(seed + 1000, layer.GetOutputShape(shape).ElementCount);

        double Loss()
        {
            using Tensor y = layer.Forward(x, training: true);
            return LayerTestKit.Dot(r, y.ToArray());
        }

        LayerTestKit.ZeroGradients(layer);
        using Tensor y0 = layer.Forward(x, training: true);
        using Tensor dy = device.ToTensor(r, [.. y0.Shape.Dims]);
        using Tensor dxT = layer.Backward(dy);
        float[] dx = dxT.ToArray();
        float[][] grads = LayerTestKit.Gradients(layer);

        CompareCoordinates("input", xs, dx, v => x.CopyFrom(v), Loss, seed);
        for (int p = 0; p < layer.Parameters.Count; p++)
        {
            Parameter param = layer.Parameters[p];
            float[] values = param.Value.ToArray();
            CompareCoordinates(param.Name, values, grads[p], v => param.Value.CopyFrom(v), Loss, seed + p + 1);
        }
    }

    private static void CompareCoordinates(
        string what, float[] values, float[] analytic, Action<float[]> load, Func<double> loss, int seed)
    {
        var rng = new Random(seed);
        int count = Math.Min(20, values.Length);
        int[] picks = values.Length <= 20 ? [.. Enumerable.Range(0, values.Length)] : [.. Enumerable.Range(0, count).Select(_ => rng.Next(values.Length))];
        float[] work = (float[])values.Clone();
        foreach (int i in picks)
        {
            work[i] = values[i] + Eps;
            load(work);
            double plus = loss();
            work[i] = values[i] - Eps;
            load(work);
            double minus = loss();
            work[i] = values[i];
            load(work);
            double numeric = (plus - minus) / (2 * Eps);
            double a = analytic[i];
            double tol = 2e-3 + (1e-2 * Math.Max(Math.Abs(numeric), Math.Abs(a)));
            Math.Abs(numeric - a).Should().BeLessThanOrEqualTo(
                tol, string.Create(CultureInfo.InvariantCulture, $"{what}[{i}]: analytic {a:R}, numeric {numeric:R}"));
        }
    }
}

[Collection(HostCollection.Name)]
public sealed class HostLayerGradientTests(HostFixture fixture) : LayerGradientTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuLayerGradientTests(IlgpuCpuFixture fixture) : LayerGradientTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaLayerGradientTests(CudaFixture fixture) : LayerGradientTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLLayerGradientTests(OpenCLFixture fixture) : LayerGradientTests(fixture);
