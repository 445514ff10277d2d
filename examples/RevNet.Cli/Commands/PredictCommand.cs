using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RevNet.Cli.Prediction;
using RevNet.ILGPU.Data;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary>
/// <c>predict</c>: classifies image files (any size: converted and resized as the model expects), folders of images
/// or IDX image files with a checkpoint or an exported ONNX file; prints the top-k classes as a table or JSON.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Image files (PNG, JPEG, ...), folders of images, or IDX image files (e.g. t10k-images-idx3-ubyte.gz).",
            Arity = ArgumentArity.OneOrMore,
        };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint FILE written by 'train --checkpoint'." };
        var onnx = new Option<string?>("--onnx") { Description = "An ONNX FILE written by 'export' (run by ONNX Runtime on the CPU)." };
        var top = CliOptions.Int("--top", "How many classes to print per image.", 3, 1);
        var json = new Option<bool>("--json") { Description = "Print JSON (one object per image) instead of a table." };
        var limit = CliOptions.OptionalInt("--limit", "Classify only the first N images of an IDX file.", 1);
        var batch = CliOptions.Int("--batch", "Images per forward pass.", 64, 1);
        var device = CliOptions.Device();
        var command = new Command("predict", "Classify images with a checkpoint or an ONNX model: top-k classes with probabilities.");
        command.Arguments.Add(inputs);
        command.Options.Add(checkpoint);
        command.Options.Add(onnx);
        command.Options.Add(top);
        command.Options.Add(json);
        command.Options.Add(limit);
        command.Options.Add(batch);
        command.Options.Add(device);
        command.SetAction(parse => Run(
            context,
            parse.GetValue(inputs)!,
            parse.GetValue(checkpoint),
            parse.GetValue(onnx),
            parse.GetValue(top),
            parse.GetValue(json),
            parse.GetValue(limit),
            parse.GetValue(batch),
            parse.GetValue(device)!));
        return command;
    }

    private static int Run(
        CliContext context, string[] inputs, string? checkpoint, string? onnx, int top, bool json, int? limit, int batch, string deviceName)
    {
        if ((checkpoint is null) == (onnx is null))
        {
            throw new CliException("pass exactly one of --checkpoint FILE and --onnx FILE.", ExitCodes.Usage);
        }

        List<string> files = ImageInputs.Expand(inputs);
        using IPredictor predictor = checkpoint is not null
            ? new CheckpointPredictor(checkpoint, deviceName)
            : new OnnxPredictor(onnx!);
        Normalization norm = predictor.Channels switch
        {
            1 => Normalization.FashionMnist,
            3 => Normalization.Cifar10,
            _ => throw new CliException($"models with {predictor.Channels} input channels are not supported (1 or 3 expected)."),
        };
        List<InputImage> images = [.. files.SelectMany(f => ImageInputs.Read(f, predictor.Channels, predictor.Size, limit))];
        int sample = predictor.Channels * predictor.Size * predictor.Size;
        int plane = predictor.Size * predictor.Size;
        int classes = predictor.ClassNames.Count;
        int k = Math.Min(top, classes);
        var results = new List<(string Source, (int Label, float Probability)[] Top)>(images.Count);
        var watch = Stopwatch.StartNew();
        for (int start = 0; start < images.Count; start += batch)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batch, images.Count - start);
            float[] x = new float[n * sample];
            for (int i = 0; i < n; i++)
            {
                float[] p = images[start + i].Pixels;
                for (int c = 0; c < predictor.Channels; c++)
                {
                    float mean = norm.Mean[c];
                    float scale = 1f / norm.Std[c];
                    for (int j = 0; j < plane; j++)
                    {
                        x[(i * sample) + (c * plane) + j] = (p[(c * plane) + j] - mean) * scale;
                    }
                }
            }

            float[] logits = predictor.Logits(x, n);
            for (int i = 0; i < n; i++)
            {
                results.Add((images[start + i].Source, TopK(logits.AsSpan(i * classes, classes), k)));
            }
        }

        double seconds = watch.Elapsed.TotalSeconds;
        double rate = images.Count / Math.Max(seconds, 1e-9);
        if (json)
        {
            var document = new
            {
                model = predictor.Description,
                imagesPerSecond = Math.Round(rate, 1),
                predictions = results.Select(r => new
                {
                    input = r.Source,
                    top = r.Top.Select(t => new { label = t.Label, name = predictor.ClassNames[t.Label], probability = t.Probability }),
                }),
            };
            context.Out.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }

        var table = new Table().AddColumn("input");
        for (int i = 0; i < k; i++)
        {
            table.AddColumn(i == 0 ? "prediction" : $"#{i + 1}");
        }

        foreach ((string source, (int Label, float Probability)[] best) in results)
        {
            table.AddRow([Markup.Escape(source), .. best.Select(t => Markup.Escape(string.Create(
                CultureInfo.InvariantCulture, $"{predictor.ClassNames[t.Label]} {100 * t.Probability:F1}%")))]);
        }

        context.Console.Write(table);
        context.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{images.Count} image(s) with {predictor.Description}: {Units.Seconds(seconds)} ({rate:F0} images/s)."));
        return ExitCodes.Success;
    }

    /// <summary>Softmax, then the k most probable labels (ties: lower label first).</summary>
    private static (int Label, float Probability)[] TopK(ReadOnlySpan<float> logits, int k)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits)
        {
            max = Math.Max(max, v);
        }

        double[] e = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            e[i] = Math.Exp(logits[i] - max);
            sum += e[i];
        }

        return [.. Enumerable.Range(0, logits.Length)
            .OrderByDescending(i => e[i]).ThenBy(i => i)
            .Take(k)
            .Select(i => (i, (float)(e[i] / sum)))];
    }
}
