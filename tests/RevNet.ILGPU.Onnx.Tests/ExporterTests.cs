using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Onnx.Proto;
using RevNet.ILGPU.Tensors;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Onnx.Tests;

public sealed class ExporterTests(ITestOutputHelper output) : IDisposable
{
    private readonly ComputeDevice _device = ComputeDevice.Create(DeviceKind.Host);
    private readonly string _dir = Directory.CreateTempSubdirectory("revnet-onnx-").FullName;

    public void Dispose()
    {
        _device.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void FloatArithmetic_DeepReversibleStack_MatchesToFloatRounding()
    {
        // Without the grid rounding the only differences are float rounding: the graph itself is exact.
        using Sequential net = Nets.DeepReversible(_device, blocks: 24, CouplingArithmetic.Float, classes: 6);
        var shape = new Shape(4, 3, 8, 8);
        OnnxParity.RandomizeAndCalibrate(_device, net, shape, seed: 2);
        double diff = Compare(net, shape, OnnxExportOptions.Default, classes: 6);
        diff.Should().BeLessThan(1e-5);
    }

    [Fact]
    public void ExactArithmetic_DeepReversibleStack_MatchesWithinTheGridTolerance()
    {
        using Sequential net = Nets.DeepReversible(_device, blocks: 24, CouplingArithmetic.Exact, classes: 6);
        var shape = new Shape(4, 3, 8, 8);
        OnnxParity.RandomizeAndCalibrate(_device, net, shape, seed: 2);
        Compare(net, shape, OnnxExportOptions.Default, classes: 6).Should().BeLessThanOrEqualTo(OnnxParity.Tolerance);
    }

    [Theory]
    [InlineData(CouplingArithmetic.Float)]
    [InlineData(CouplingArithmetic.Exact)]
    public void MixedLayers_AffineRecomputedResidualNested_MatchEvalMode(CouplingArithmetic arithmetic)
    {
        using Sequential net = Nets.Mixed(_device, arithmetic);
        var shape = new Shape(5, 2, 8, 8);
        OnnxParity.RandomizeAndCalibrate(_device, net, shape, seed: 9);
        double diff = Compare(net, shape, OnnxExportOptions.Default, classes: 5);
        diff.Should().BeLessThan(arithmetic == CouplingArithmetic.Float ? 1e-5 : OnnxParity.Tolerance);
    }

    [Fact]
    public void StandaloneCoupling_ExportedOnItsOwn_MatchesEvalMode()
    {
        int seed = 3;
        using var block = new ReversibleBlock(
            Nets.Residual(_device, 3, 3, 1, ref seed, "f"), Nets.Residual(_device, 3, 3, 1, ref seed, "g"), "solo");
        var shape = new Shape(2, 6, 5, 5);
        float[] x = OnnxParity.RandomInput(shape, 1);
        float[] expected = OnnxParity.RunLibrary(_device, block, shape, x);
        float[] actual = OnnxParity.RunOnnx(OnnxExporter.ToBytes(block, shape), shape, x);
        OnnxParity.MaxAbsDiff(expected, actual).Should().BeLessThanOrEqualTo(OnnxParity.Tolerance);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(21)]
    public void Opsets_13To21_LoadAndMatch(int opset)
    {
        using Model model = ModelZoo.Create("revnet-small", _device, new ModelOptions { ImageSize = 8, Seed = 2 });
        Shape shape = model.InputShape(3);
        OnnxParity.RandomizeAndCalibrate(_device, model, shape, seed: 4);
        Compare(model, shape, new OnnxExportOptions { Opset = opset }, classes: 10).Should().BeLessThanOrEqualTo(OnnxParity.Tolerance);
        ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model, shape, new OnnxExportOptions { Opset = opset }))
            .OpsetImport.Single().Version.Should().Be(opset);
    }

    [Fact]
    public void NoFolding_WritesOneBatchNormalizationPerBatchNorm_AndStillMatches()
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8 });
        Shape shape = model.InputShape(3);
        OnnxParity.RandomizeAndCalibrate(_device, model, shape, seed: 4);
        var options = new OnnxExportOptions { FoldBatchNorm = false };

        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model, shape, options));

        proto.Graph.Node.Count(n => n.OpType == "BatchNormalization")
            .Should().Be(OnnxParity.Walk(model).OfType<BatchNorm2d>().Count());
        Compare(model, shape, options, classes: 10).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void ExportOnnx_Model_WritesNamesSymbolicBatchAndClassNames()
    {
        using Model model = ModelZoo.Create("revnet-small", _device, ModelOptions.FashionMnist);
        string path = Path.Combine(_dir, "model.onnx");

        model.ExportOnnx(path, new OnnxExportOptions { ClassNames = FashionMnist.ClassNames, InputName = "image", OutputName = "scores" });

        using var session = new InferenceSession(path);
        NodeMetadata input = session.InputMetadata["image"];
        input.Dimensions.Should().Equal(-1, 1, 28, 28);
        input.SymbolicDimensions[0].Should().Be("N");
        session.OutputMetadata["scores"].Dimensions.Should().Equal(-1, 10);
        JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap[OnnxExporter.ClassNamesKey])
            .Should().Equal(FashionMnist.ClassNames);
        session.ModelMetadata.CustomMetadataMap[OnnxExporter.InputShapeKey].Should().Be("[N,1,28,28]");
        session.ModelMetadata.ProducerName.Should().Be(OnnxExporter.ProducerName);
        session.ModelMetadata.GraphName.Should().Be("revnet-small");

        // Any batch size runs.
        foreach (int batch in new[] { 1, 7 })
        {
            var shape = new Shape(batch, 1, 28, 28);
            float[] x = OnnxParity.RandomInput(shape, batch);
            OnnxParity.RunOnnx(File.ReadAllBytes(path), shape, x, "image").Should().HaveCount(batch * 10);
        }
    }

    [Fact]
    public void Export_DefaultClassNames_AreTheLabelNumbers_AndAWrongCountIsRejected()
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8, Classes = 3 });
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model, model.InputShape(1)));
        proto.MetadataProps.Single(p => p.Key == OnnxExporter.ClassNamesKey).Value.Should().Be("[\"0\",\"1\",\"2\"]");

        Action act = () => OnnxExporter.ToBytes(model, model.InputShape(1), new OnnxExportOptions { ClassNames = ["a", "b"] });
        act.Should().Throw<ArgumentException>().WithMessage("*2 class names*3 outputs*");
    }

    [Fact]
    public void Export_UserLayer_ThrowsNamingTheLayerAndWritesNothing()
    {
        int seed = 1;
        using var net = new Sequential("net",
        [
            new Conv2d(_device, 1, 4, 3, 1, 1, seed, "c"),
            new ReversibleBlock(new Doubler("mine"), Nets.Residual(_device, 2, 2, 1, ref seed, "g"), "block"),
        ]);
        string path = Path.Combine(_dir, "user.onnx");
        File.WriteAllText(path, "previous");

        Action act = () => net.ExportOnnx(new Shape(1, 1, 6, 6), path);

        OnnxExportException ex = act.Should().Throw<OnnxExportException>().Which;
        ex.LayerPath.Should().Be("net/block/mine");
        ex.LayerType.Should().Be<Doubler>();
        ex.Message.Should().Contain("'net/block/mine'").And.Contain(typeof(Doubler).FullName!).And.Contain("Supported:");
        File.ReadAllText(path).Should().Be("previous");
        Directory.GetFiles(_dir).Should().Equal(path);
    }

    [Fact]
    public void Export_MissingFolder_ThrowsIOExceptionNamingThePath_AndLeavesNoFile()
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8 });
        string path = Path.Combine(_dir, "no-such-folder", "m.onnx");

        Action act = () => model.ExportOnnx(path);

        act.Should().Throw<IOException>().WithMessage($"*{path}*writable folder*");
        Directory.GetFileSystemEntries(_dir).Should().BeEmpty();
    }

    [Fact]
    public void Export_ExistingFile_IsReplacedWhole_AndNoTemporaryFileRemains()
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8 });
        string path = Path.Combine(_dir, "m.onnx");
        File.WriteAllBytes(path, new byte[10_000_000]);

        model.ExportOnnx(path);

        File.ReadAllBytes(path).Should().Equal(OnnxExporter.ToBytes(model, model.InputShape(1)));
        Directory.GetFiles(_dir).Should().Equal(path);
    }

    [Fact]
    public void ToBytes_SameModel_SameBytes()
    {
        using Model a = ModelZoo.Create("revnet38", _device, new ModelOptions { ImageSize = 8, Seed = 5 });
        using Model b = ModelZoo.Create("revnet38", _device, new ModelOptions { ImageSize = 8, Seed = 5 });
        OnnxExporter.ToBytes(a, a.InputShape(1)).Should().Equal(OnnxExporter.ToBytes(b, b.InputShape(1)));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(22)]
    public void Export_UnsupportedOpset_ThrowsNamingTheRange(int opset)
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8 });
        Action act = () => OnnxExporter.ToBytes(model, model.InputShape(1), new OnnxExportOptions { Opset = opset });
        act.Should().Throw<ArgumentException>().WithMessage($"*Opset {opset}*13 to 21*");
    }

    [Fact]
    public void Export_InputShapeTheModelCannotTake_ThrowsArgumentException()
    {
        using Model model = ModelZoo.Create("resnet-small", _device, new ModelOptions { ImageSize = 8 });
        Action act = () => OnnxExporter.ToBytes(model, new Shape(1, 5, 8, 8));
        act.Should().Throw<ArgumentException>();
    }

    private double Compare(ILayer net, Shape shape, OnnxExportOptions options, int classes)
    {
        float[] x = OnnxParity.RandomInput(shape, 77);
        float[] expected = OnnxParity.RunLibrary(_device, net, shape, x);
        float[] actual = OnnxParity.RunOnnx(OnnxExporter.ToBytes(net, shape, options), shape, x, options.InputName);
        double diff = OnnxParity.MaxAbsDiff(expected, actual);
        output.WriteLine($"max |diff| = {diff:E3}, largest |value| {expected.Max(Math.Abs):F3}");
        OnnxParity.ArgMax(actual, classes).Should().Equal(OnnxParity.ArgMax(expected, classes));
        return diff;
    }
}
