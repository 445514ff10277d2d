using System.Text.Json;
using RevNet.Cli;
using RevNet.ILGPU.Data;
using SkiaSharp;

namespace RevNet.ILGPU.Tests.Cli;

public sealed class CliPredictTests(TrainedCheckpoint trained) : IClassFixture<TrainedCheckpoint>, IDisposable
{
    private readonly CliHarness _cli = new();

    private static string TestImages => Path.Combine(CliHarness.DataFolder, "t10k-images-idx3-ubyte.gz");

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Predict_IdxWithCheckpointAndWithItsOnnxExport_SameTopClassesAndProbabilities()
    {
        string onnx = _cli.PathOf("m.onnx");
        CliHarness.Run("export", "--checkpoint", trained.Path, "--onnx", onnx).ShouldSucceed();

        Prediction[] library = Predict("--checkpoint", trained.Path, TestImages, "--limit", "20", "--json", "--device", "host");
        Prediction[] runtime = Predict("--onnx", onnx, TestImages, "--limit", "20", "--json");

        library.Should().HaveCount(20);
        library.Select(p => p.Input).Should().Equal(runtime.Select(p => p.Input));
        library.Select(p => p.Top[0].Label).Should().Equal(runtime.Select(p => p.Top[0].Label));
        foreach ((Prediction a, Prediction b) in library.Zip(runtime))
        {
            a.Top.Should().HaveCount(3);
            a.Top.Select(t => t.Probability).Should().BeInDescendingOrder();
            a.Top.Sum(t => t.Probability).Should().BeLessThanOrEqualTo(1.0001);
            a.Top[0].Name.Should().Be(FashionMnist.ClassNames[a.Top[0].Label]);
            Math.Abs(a.Top[0].Probability - b.Top[0].Probability).Should().BeLessThan(1e-4);
        }
    }

    [Fact]
    public void Predict_PngOfATestImage_MatchesTheIdxImage_AndAnyImageSizeRuns()
    {
        IdxFile idx = IdxReader.Read(TestImages, 1);
        string png = _cli.PathOf("first.png");
        using (var bitmap = new SKBitmap(28, 28, SKColorType.Rgba8888, SKAlphaType.Premul))
        {
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    byte v = idx.Data[(y * 28) + x];
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
            }

            using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(png, data.ToArray());

            using SKBitmap big = bitmap.Resize(new SKImageInfo(90, 60), new SKSamplingOptions(SKFilterMode.Linear))!;
            using SKData jpeg = big.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(_cli.PathOf("wide.jpg"), jpeg.ToArray());
        }

        Prediction fromIdx = Predict("--checkpoint", trained.Path, TestImages, "--limit", "1", "--json", "--device", "host")[0];
        Prediction[] fromFolder = Predict("--checkpoint", trained.Path, _cli.Folder, "--json", "--device", "host");

        fromFolder.Select(p => Path.GetFileName(p.Input)).Should().Equal("first.png", "wide.jpg");
        fromFolder[0].Top[0].Label.Should().Be(fromIdx.Top[0].Label);
        fromFolder[0].Top[0].Probability.Should().BeApproximately(fromIdx.Top[0].Probability, 1e-4);
    }

    [Fact]
    public void Predict_Table_ShowsTopClassesAndImagesPerSecond()
    {
        CliResult result = CliHarness.Run("predict", "--checkpoint", trained.Path, TestImages, "--limit", "5", "--top", "2", "--device", "host");

        result.ShouldSucceed();
        result.Output.Should().Contain("t10k-images-idx3-ubyte.gz[4]").And.Contain("%").And.MatchRegex(@"5 image\(s\) .* images/s");
    }

    [Fact]
    public void Predict_UnreadableImage_OneLineError()
    {
        string bad = _cli.PathOf("broken.png");
        File.WriteAllBytes(bad, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);

        CliResult result = CliHarness.Run("predict", "--checkpoint", trained.Path, bad, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(bad);
    }

    [SkippableFact]
    public void Predict_ImageIsAFifo_OneLineErrorInsteadOfAHang()
    {
        string fifo = RevNet.ILGPU.Tests.Support.Fifo.Create(_cli.PathOf("photo.png"));

        CliResult result = RevNet.ILGPU.Tests.Support.Fifo.Promptly(
            fifo, () => CliHarness.Run("predict", "--checkpoint", trained.Path, fifo, "--device", "host"));

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(fifo).And.Contain("not a regular file");
    }

    [Fact]
    public void Predict_IdxOfTheWrongChannelCount_OneLineError()
    {
        string idx = _cli.PathOf("rgb-images-idx4-ubyte");
        IdxReader.Write(idx, [2, 3, 28, 28], new byte[2 * 3 * 28 * 28], gzip: false);

        CliResult result = CliHarness.Run("predict", "--checkpoint", trained.Path, idx, "--device", "host");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain("3, 28, 28").And.Contain("1x28x28");
    }

    [Fact]
    public void Predict_CorruptOnnxFile_OneLineError()
    {
        string onnx = _cli.PathOf("bad.onnx");
        File.WriteAllBytes(onnx, [1, 2, 3, 4, 5]);

        CliResult result = CliHarness.Run("predict", "--onnx", onnx, TestImages, "--limit", "1");

        result.ShouldBeOneLineError(ExitCodes.Failure);
        result.Error.Should().Contain(onnx);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Predict_NotExactlyOneModel_UsageError(bool both)
    {
        string[] args = both
            ? ["predict", "--checkpoint", trained.Path, "--onnx", "x.onnx", TestImages]
            : ["predict", TestImages];
        CliHarness.Run(args).ShouldBeOneLineError(ExitCodes.Usage);
    }

    private static Prediction[] Predict(params string[] args)
    {
        CliResult result = CliHarness.Run(["predict", .. args]);
        result.ShouldSucceed();
        using JsonDocument doc = JsonDocument.Parse(result.Output);
        doc.RootElement.GetProperty("imagesPerSecond").GetDouble().Should().BePositive();
        return [.. doc.RootElement.GetProperty("predictions").EnumerateArray().Select(p => new Prediction(
            p.GetProperty("input").GetString()!,
            [.. p.GetProperty("top").EnumerateArray().Select(t => new Top(
                t.GetProperty("label").GetInt32(), t.GetProperty("name").GetString()!, t.GetProperty("probability").GetDouble()))]))];
    }

    private sealed record Top(int Label, string Name, double Probability);

    private sealed record Prediction(string Input, Top[] Top);
}
