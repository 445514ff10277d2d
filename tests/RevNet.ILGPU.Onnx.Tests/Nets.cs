using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Onnx.Tests;

/// <summary>Small networks built from public layers, covering every layer kind the exporter knows.</summary>
internal static class Nets
{
    /// <summary>BN-ReLU-conv-BN-ReLU-conv on a half (the paper's basic residual function).</summary>
    public static Sequential Residual(ComputeDevice d, int cin, int cout, int stride, ref int seed, string name) =>
        new(name,
        [
            new BatchNorm2d(d, cin, relu: true, name: name + ".bn0"),
            new Conv2d(d, cin, cout, 3, stride, 1, seed++, name + ".conv1"),
            new BatchNorm2d(d, cout, relu: true, name: name + ".bn1"),
            new Conv2d(d, cout, cout, 3, 1, 1, seed++, name + ".conv2"),
        ]);

    /// <summary>Stem, <paramref name="blocks"/> reversible blocks, a transition (stride 2, width x2), head.</summary>
    public static Sequential DeepReversible(ComputeDevice d, int blocks, CouplingArithmetic arithmetic, int classes)
    {
        int seed = 1;
        var layers = new List<ILayer>
        {
            new Sequential("stem", [new Conv2d(d, 3, 16, 3, 1, 1, seed++, "stem.conv"), new BatchNorm2d(d, 16, relu: true, name: "stem.bn")]),
        };
        for (int b = 0; b < blocks; b++)
        {
            layers.Add(new ReversibleBlock(Residual(d, 8, 8, 1, ref seed, $"b{b}.f"), Residual(d, 8, 8, 1, ref seed, $"b{b}.g"), $"b{b}", arithmetic));
        }

        layers.Add(new CouplingTransition(
            Residual(d, 8, 16, 2, ref seed, "t.f"),
            Residual(d, 16, 16, 1, ref seed, "t.g"),
            new PoolPadShortcut(8, 16, 2, "t.s1"),
            new PoolPadShortcut(8, 16, 2, "t.s2"),
            "t",
            arithmetic));
        layers.Add(new BatchNorm2d(d, 32, relu: true, name: "head.bn"));
        layers.Add(new GlobalAvgPool());
        layers.Add(new Linear(d, 32, classes, seed, "head.fc"));
        return new Sequential("deep", layers);
    }

    /// <summary>
    /// Every other layer kind: a standalone coupling outside a chain, an affine coupling, Recomputed, a residual unit
    /// without and with a conv shortcut, a stand-alone Relu, a batch-norm not after a conv, nested chains.
    /// </summary>
    public static Sequential Mixed(ComputeDevice d, CouplingArithmetic arithmetic)
    {
        int seed = 40;
        var affineF = new Sequential("a.f", [new BatchNorm2d(d, 4, relu: true, name: "a.f.bn"), new Conv2d(d, 4, 8, 3, 1, 1, seed++, "a.f.conv")]);
        var affineG = new Sequential("a.g", [new Conv2d(d, 4, 8, 1, 1, 0, seed++, "a.g.conv")]);
        return new Sequential("mixed",
        [
            new Conv2d(d, 2, 8, 3, 1, 1, seed++, "c0"),
            new Relu("r0"),
            new Recomputed(new ReversibleBlock(Residual(d, 4, 4, 1, ref seed, "rb.f"), Residual(d, 4, 4, 1, ref seed, "rb.g"), "rb", arithmetic)),
            new AffineCoupling(affineF, affineG, "a"),
            new ResidualUnit(Residual(d, 8, 8, 1, ref seed, "u0.f"), null, "u0"),
            new Sequential("nested",
            [
                new ResidualUnit(Residual(d, 8, 12, 2, ref seed, "u1.f"), new Conv2d(d, 8, 12, 1, 2, 0, seed++, "u1.s"), "u1"),
                new BatchNorm2d(d, 12, relu: false, name: "bn.plain"),
                new Relu("r1"),
            ]),
            new GlobalAvgPool("gap"),
            new Linear(d, 12, 5, seed, "fc"),
        ]);
    }
}

/// <summary>A user layer (y = 2x): it has no ONNX form.</summary>
internal sealed class Doubler(string name = "doubler") : Layer(name)
{
    public override Shape GetOutputShape(Shape input) => input;

    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        Tensor y = input.Device.Pool.Rent(input.Shape, MemoryCategory.Activations);
        TensorOps.Add(input, input, y);
        return y;
    }

    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Tensor dx = input.Device.Pool.Rent(input.Shape, MemoryCategory.Workspace);
        TensorOps.Add(outputGradient, outputGradient, dx);
        return dx;
    }
}
