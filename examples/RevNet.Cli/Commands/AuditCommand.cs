using System.CommandLine;
using System.Globalization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary>
/// <c>audit</c>: one training step in Store and one in Reconstruct on the same weights and batch; prints each block's
/// reconstruction error, the gradient agreement, and the activation bytes of both modes.
/// </summary>
internal static class AuditCommand
{
    /// <summary>Gradient agreement the audit requires (the reversible issue's bar for deep stacks).</summary>
    public const double MinCosine = 0.99999;

    public const double MaxRelativeError = 1e-3;

    public static Command Create(CliContext context)
    {
        var model = CliOptions.Model("revnet38");
        var batch = CliOptions.Int("--batch", "Batch size.", 8, 1);
        var seed = CliOptions.Int("--seed", "Seed of the weights and of the random batch.", 0, 0);
        var device = CliOptions.Device();
        var data = CliOptions.Data();
        var all = new Option<bool>("--all") { Description = "List every parameter (default: the 10 worst)." };
        var command = new Command(
            "audit",
            "Check memory-free backward: reconstruction error per block and Reconstruct-vs-Store gradient agreement.");
        command.Options.Add(model);
        command.Options.Add(batch);
        command.Options.Add(seed);
        command.Options.Add(device);
        command.Options.Add(data);
        command.Options.Add(all);
        command.SetAction(parse => Run(
            context,
            parse.GetValue(model)!.Trim().ToLowerInvariant(),
            parse.GetValue(batch),
            parse.GetValue(seed),
            parse.GetValue(device)!,
            parse.GetValue(data),
            parse.GetValue(all)));
        return command;
    }

    private static int Run(CliContext context, string modelName, int batch, int seed, string deviceName, string? dataFolder, bool all)
    {
        // Real images with --data; otherwise a random normal batch of the model's natural shape.
        Dataset? data = null;
        ModelOptions options = modelName.EndsWith("-small", StringComparison.Ordinal) ? ModelOptions.FashionMnist : ModelOptions.Cifar10;
        if (dataFolder is not null)
        {
            data = DataLocator.Load(DataLocator.Resolve(dataFolder), train: false, batch, context.Out);
            if (batch > data.Count)
            {
                throw new CliException($"--batch {batch} is larger than the {data.Count} test images.");
            }

            options = new ModelOptions { InputChannels = data.Channels, ImageSize = data.Height, Classes = data.ClassCount };
        }

        options = options with { Seed = seed };
        long perImage = (long)options.InputChannels * options.ImageSize * options.ImageSize;
        if (batch * perImage > Array.MaxLength)
        {
            throw new CliException(
                $"--batch {batch} is too large: {batch} images of {options.InputChannels}x{options.ImageSize}x{options.ImageSize} "
                + $"do not fit one buffer; use at most {Array.MaxLength / perImage}.",
                ExitCodes.Usage);
        }

        using ComputeDevice device = CliDevice.Create(deviceName);
        using Model model = ModelZoo.Create(modelName, device, options);
        (float[] images, int[] labels) = data is null ? RandomBatch(model, batch, seed) : FirstImages(data, batch);
        using Tensor input = device.Pool.Rent(model.InputShape(batch), MemoryCategory.Workspace);
        input.CopyFrom(images);
        AuditReport report = ReversibilityAudit.Run(model, input, labels);
        Print(context.Console, report, $"{modelName} on {device}, batch {batch} of {options.InputChannels}x{options.ImageSize}x{options.ImageSize}", all);
        bool passed = report.AllParameters.Cosine > MinCosine && report.AllParameters.RelativeError < MaxRelativeError
            && report.InputGradient.Cosine > MinCosine && report.InputGradient.RelativeError < MaxRelativeError;
        if (!passed)
        {
            throw new CliException(
                $"audit failed: Reconstruct gradients differ from Store gradients (cosine {F(report.AllParameters.Cosine, 7)}, "
                + $"relative error {E(report.AllParameters.RelativeError)}; required > {MinCosine} and < {MaxRelativeError}).");
        }

        context.Console.WriteLine($"PASS: gradients agree (cosine > {MinCosine}, relative error < {MaxRelativeError}).");
        return ExitCodes.Success;
    }

    private static void Print(IAnsiConsole console, AuditReport report, string title, bool all)
    {
        var blocks = new Table().Title(Markup.Escape("Reconstruction of block inputs: " + title))
            .AddColumns("layer", "block", "max |x' - x|", "relative");
        foreach (BlockReconstruction b in report.Blocks)
        {
            blocks.AddRow(b.LayerIndex.ToString(CultureInfo.InvariantCulture), Markup.Escape(b.Name), E(b.MaxAbsError), E(b.RelativeError));
        }

        if (report.Blocks.Count == 0)
        {
            blocks.AddRow("-", "(no invertible blocks: nothing is reconstructed)", "-", "-");
        }

        console.Write(blocks);

        IEnumerable<GradientAgreement> shown = all
            ? report.Parameters
            : report.Parameters.OrderByDescending(p => p.RelativeError).Take(10);
        var grads = new Table()
            .Title(all ? "Gradient agreement, Reconstruct vs Store" : "Gradient agreement, Reconstruct vs Store (10 worst parameters)")
            .AddColumns("tensor", "elements", "cosine", "relative L2 error", "max |difference|");
        foreach (GradientAgreement g in shown.Append(report.AllParameters).Append(report.InputGradient))
        {
            grads.AddRow(Markup.Escape(g.Name), Units.Count(g.Elements), F(g.Cosine, 8), E(g.RelativeError), E(g.MaxAbsDifference));
        }

        console.Write(grads);
        var summary = new Table().AddColumns("", "store", "reconstruct");
        summary.AddRow("loss", F(report.StoreLoss, 6), F(report.ReconstructLoss, 6));
        summary.AddRow(
            "activation peak",
            Units.Mib(report.StoreActivationPeakBytes),
            Units.Mib(report.ReconstructActivationPeakBytes));
        console.Write(summary);
        console.WriteLine(
            $"max reconstruction error {E(report.MaxReconstructionError)} (relative {E(report.MaxRelativeReconstructionError)}); "
            + $"activation memory saved: {Units.Fixed(report.StoreActivationPeakBytes / (double)Math.Max(1, report.ReconstructActivationPeakBytes), 1)}x");
    }

    private static (float[] Images, int[] Labels) RandomBatch(Model model, int batch, int seed)
    {
        var rng = new Random(seed + 1);
        float[] images = new float[model.InputShape(batch).ElementCount];
        for (int i = 0; i < images.Length; i++)
        {
            // Box-Muller: standard normal pixels, like normalised images.
            double u = 1 - rng.NextDouble();
            images[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        int[] labels = [.. Enumerable.Range(0, batch).Select(_ => rng.Next(model.Options.Classes))];
        return (images, labels);
    }

    private static (float[] Images, int[] Labels) FirstImages(Dataset data, int batch) =>
        (data.Images.AsSpan(0, batch * data.SampleSize).ToArray(), data.Labels.AsSpan(0, batch).ToArray());

    private static string E(double v) => v.ToString("0.00E+00", CultureInfo.InvariantCulture);

    private static string F(double v, int decimals) => Units.Fixed(v, decimals);
}
