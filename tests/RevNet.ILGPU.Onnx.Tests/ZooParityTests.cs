using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Onnx.Proto;
using RevNet.ILGPU.Tensors;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Onnx.Tests;

/// <summary>Every zoo model, random weights: ONNX Runtime (CPU) agrees with the library's eval mode.</summary>
public sealed class ZooParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> ZooNames() => [.. ModelZoo.Names];

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Export_ZooModelRandomWeights_OnnxRuntimeMatchesEvalMode(string name)
    {
        // The models' own 32x32 input, batch 2; 3 channels and 7 classes so nothing depends on the defaults.
        // RevNets in exact coupling arithmetic round every branch output to the 2^-15 grid: where ONNX Runtime's float
        // rounding differs from the library's by an ulp next to a rounding boundary, that element moves by a whole grid
        // step (3.05e-5), and those steps, not the export, make the RevNets' logit differences (without the grid the
        // graph matches to float rounding: FloatArithmetic_DeepReversibleStack_MatchesToFloatRounding). Measured over
        // seeds 1-4 and 11: revnet164 4.9e-5 to 8.7e-5, revnet110 3.2e-5 to 6.8e-5; ResNets below 3e-6.
        var options = new ModelOptions { InputChannels = 3, ImageSize = 32, Classes = 7, Seed = 11 };
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(name, device, options);
        Shape shape = model.InputShape(2);
        OnnxParity.RandomizeAndCalibrate(device, model, shape, seed: 5);
        float[] x = OnnxParity.RandomInput(shape, seed: 3);

        float[] expected = OnnxParity.RunLibrary(device, model, shape, x);
        byte[] onnx = OnnxExporter.ToBytes(model, model.InputShape(1));
        float[] actual = OnnxParity.RunOnnx(onnx, shape, x);

        double diff = OnnxParity.MaxAbsDiff(expected, actual);
        double scale = expected.Max(v => Math.Abs(v));
        output.WriteLine($"{name}: max |logit diff| = {diff:E3} (largest |logit| {scale:F3}, {onnx.Length:N0} bytes)");
        diff.Should().BeLessThanOrEqualTo(model.IsReversible ? OnnxParity.Tolerance : 1e-5);
        OnnxParity.ArgMax(actual, 7).Should().Equal(OnnxParity.ArgMax(expected, 7));
        scale.Should().BeGreaterThan(0.05, "logits of a random network are not all near zero, so the comparison means something");
    }

    public static TheoryData<string> ZooRevNets() => [.. ModelZoo.Names.Where(n => ModelZoo.Spec(n).Reversible)];

    [Theory]
    [MemberData(nameof(ZooRevNets))]
    public void Export_ZooRevNetFloatArithmetic_MatchesToFloatRounding(string name)
    {
        // The same RevNets with plain float coupling arithmetic (no grid): the exported graph agrees to float rounding.
        var options = new ModelOptions { InputChannels = 3, ImageSize = 32, Classes = 7, Seed = 11, Arithmetic = CouplingArithmetic.Float };
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(name, device, options);
        Shape shape = model.InputShape(2);
        OnnxParity.RandomizeAndCalibrate(device, model, shape, seed: 5);
        float[] x = OnnxParity.RandomInput(shape, seed: 3);

        float[] expected = OnnxParity.RunLibrary(device, model, shape, x);
        float[] actual = OnnxParity.RunOnnx(OnnxExporter.ToBytes(model, model.InputShape(1)), shape, x);

        double diff = OnnxParity.MaxAbsDiff(expected, actual);
        output.WriteLine($"{name} (float arithmetic): max |logit diff| = {diff:E3}");
        diff.Should().BeLessThan(1e-5);
        OnnxParity.ArgMax(actual, 7).Should().Equal(OnnxParity.ArgMax(expected, 7));
    }

    [Theory]
    [InlineData("revnet38")]
    [InlineData("resnet32")]
    public void Export_ZooModel_HasTheDocumentedGraphForm(string name)
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create(name, device, new ModelOptions { ImageSize = 8 });

        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model, model.InputShape(1)));

        proto.OpsetImport.Should().ContainSingle().Which.Version.Should().Be(13);
        proto.Graph.Input.Should().ContainSingle().Which.Name.Should().Be("input");
        proto.Graph.Output.Should().ContainSingle().Which.Name.Should().Be("logits");
        var ops = proto.Graph.Node.Select(n => n.OpType).ToList();
        ops.Should().Contain(["Conv", "Relu", "Add", "GlobalAveragePool", "Gemm"]);
        int batchNorms = OnnxParity.Walk(model).OfType<BatchNorm2d>().Count();
        int convs = OnnxParity.Walk(model).OfType<Conv2d>().Count();
        ops.Count(o => o == "Conv").Should().Be(convs);
        // Every conv followed by a batch-norm absorbs it (stem, conv1 of each residual function); pre-activation
        // batch-norms and the head stay BatchNormalization nodes.
        ops.Count(o => o == "BatchNormalization").Should().BeLessThan(batchNorms).And.BeGreaterThan(0);
        ops.Count(o => o == "BatchNormalization").Should().Be(batchNorms - CountFoldable(model));
        if (model.IsReversible)
        {
            // One split and one concat for the run of couplings (all three stages, transitions included), whatever the depth.
            ops.Count(o => o == "Split").Should().Be(1);
            ops.Count(o => o == "Concat").Should().Be(1);
        }
        else
        {
            ops.Should().NotContain("Split");
        }
    }

    /// <summary>Convolutions directly followed by a batch-norm of the same width, within one chain.</summary>
    private static int CountFoldable(Model model) =>
        OnnxParity.Walk(model).OfType<Sequential>().Sum(s => Enumerable.Range(0, s.Layers.Count - 1)
            .Count(i => s.Layers[i] is Conv2d c && s.Layers[i + 1] is BatchNorm2d bn && bn.Channels == c.OutChannels));
}
