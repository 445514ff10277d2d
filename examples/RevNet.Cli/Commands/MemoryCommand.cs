using System.CommandLine;
using System.Globalization;
using RevNet.Cli.Memory;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary>
/// <c>memory</c>: training steps on CIFAR shapes for RevNets (Store and Reconstruct) and ResNets; per row the activation
/// peak, the step's total pool peak, forward, backward and step times, and for RevNets the Reconstruct/Store step
/// ratio beside its floor 1 + T_fwd / (T_fwd + T_bwd).
/// </summary>
internal static class MemoryCommand
{
    public static Command Create(CliContext context)
    {
        var models = new Option<string[]>("--models")
        {
            Description = "Models to measure, comma- or space-separated (default: the paper's six).",
            DefaultValueFactory = _ => [.. ModelsCommand.PaperModels],
            AllowMultipleArgumentsPerToken = true,
        };
        models.Validators.Add(result =>
        {
            foreach (string name in SplitNames(result.GetValueOrDefault<string[]>() ?? []))
            {
                if (!ModelZoo.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    result.AddError($"unknown model '{name}'; expected one of: {string.Join(", ", ModelZoo.Names)}.");
                    return;
                }
            }
        });
        var batch = CliOptions.Int("--batch", "Batch size.", 128, 1);
        var steps = CliOptions.Int("--steps", "Measured steps per row (after one warm-up step); times are medians.", 3, 1);
        var device = CliOptions.Device();
        var json = CliOptions.File("--json", "Also write the rows as a JSON array to FILE.");
        var mode = CliOptions.Choice("--mode", "Which modes of RevNets to measure", "both", "both", "store", "reconstruct");
        var profile = new Option<bool>("--profile")
        {
            Description = "Also profile one more step per row and print where its time goes (per op and per layer).",
        };
        var command = new Command(
            "memory",
            "Measure activation and total memory and step times of RevNets (store and reconstruct) and ResNets on CIFAR shapes.");
        command.Options.Add(models);
        command.Options.Add(batch);
        command.Options.Add(steps);
        command.Options.Add(device);
        command.Options.Add(json);
        command.Options.Add(mode);
        command.Options.Add(profile);
        command.Subcommands.Add(MemoryPlanCommand.Create(context));
        command.SetAction(parse => Run(
            context,
            SplitNames(parse.GetValue(models) ?? []),
            parse.GetValue(batch),
            parse.GetValue(steps),
            parse.GetValue(device)!,
            parse.GetValue(json),
            parse.GetValue(mode)!.ToLowerInvariant(),
            parse.GetValue(profile)));
        return command;
    }

    /// <summary>Writes the rows as a table, with the Reconstruct/Store ratios and the headline comparisons.</summary>
    public static void Print(IAnsiConsole console, IReadOnlyList<MemoryBenchmarkRow> rows, string title, bool showTimes = true)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumns(
            "model", "depth", "mode", "batch", "activations", "live", "reserved", "res/live", "process", "B/px");
        if (showTimes)
        {
            table.AddColumns("fwd", "bwd", "step", "rec/store", "floor");
        }

        for (int c = 1; c < table.Columns.Count; c++)
        {
            if (c != 2)
            {
                table.Columns[c].RightAligned();
            }
        }

        foreach (MemoryBenchmarkRow r in rows)
        {
            string ratio = "-";
            string floor = "-";
            MemoryBenchmarkRow? store = r.Mode == "reconstruct" ? MemoryRows.StoreTwin(rows, r) : null;
            if (store is not null)
            {
                ratio = Units.Fixed(r.StepMs / store.StepMs, 2) + "x";
                floor = Units.Fixed(store.RecomputeFloor, 2) + "x";
            }

            List<string> cells =
            [
                r.Model,
                r.Depth.ToString(CultureInfo.InvariantCulture),
                r.Mode,
                r.Batch.ToString(CultureInfo.InvariantCulture),
                Units.Mib(r.ActivationPeakBytes),
                Units.Mib(r.TotalPeakBytes),
                Units.Mib(r.ReservedPeakBytes),
                Units.Fixed(r.ReservedOverLive, 3) + "x",
                r.ProcessGrowthBytes > 0 ? Units.Mib(r.ProcessGrowthBytes) : "-",
                Units.Fixed(r.BytesPerPixel, 0),
            ];
            if (showTimes)
            {
                cells.AddRange([Ms(r.ForwardMs), Ms(r.BackwardMs), Ms(r.StepMs), ratio, floor]);
            }

            table.AddRow([.. cells]);
        }

        console.Write(table);
        console.WriteLine("activations, live: peak bytes of saved activations and of all tensors alive at once; reserved: "
            + "peak bytes the pool held from the device; process: growth of the peak resident set during the steps (Host; "
            + "measure one configuration per process, freed heap is reused) or device memory in use from the driver (GPU); "
            + "B/px: reserved bytes per input pixel.");
        if (showTimes)
        {
            console.WriteLine("rec/store: the Reconstruct step time over the Store step time of the same net; floor: "
                + "1 + T_fwd / (T_fwd + T_bwd) of the Store step (one extra forward).");
        }

        foreach (string line in Comparisons(rows))
        {
            console.WriteLine(line);
        }
    }

    private static IEnumerable<string> Comparisons(IReadOnlyList<MemoryBenchmarkRow> rows)
    {
        MemoryBenchmarkRow? Find(string model, string mode) =>
            rows.FirstOrDefault(r => r.Model == model && r.Mode == mode);
        MemoryBenchmarkRow? rev38 = Find("revnet38", "reconstruct");
        MemoryBenchmarkRow? rev110 = Find("revnet110", "reconstruct");
        MemoryBenchmarkRow? res110 = Find("resnet110", "store");
        if (rev38 is not null && rev110 is not null && rev38.ActivationPeakBytes > 0)
        {
            yield return "depth: RevNet-110 / RevNet-38 activation peak (reconstruct) = "
                + Units.Fixed((double)rev110.ActivationPeakBytes / rev38.ActivationPeakBytes, 3) + "x";
        }

        if (rev110 is not null && res110 is not null && rev110.ActivationPeakBytes > 0 && rev110.TotalPeakBytes > 0)
        {
            yield return "ResNet-110 / RevNet-110: activation peak "
                + Units.Fixed((double)res110.ActivationPeakBytes / rev110.ActivationPeakBytes, 1) + "x, whole-step live peak "
                + Units.Fixed((double)res110.TotalPeakBytes / rev110.TotalPeakBytes, 1) + "x, reserved peak "
                + Units.Fixed((double)res110.ReservedPeakBytes / Math.Max(1, rev110.ReservedPeakBytes), 1) + "x, process "
                + Units.Fixed((double)res110.ProcessGrowthBytes / Math.Max(1, rev110.ProcessGrowthBytes), 1) + "x";
        }
    }

    private static int Run(CliContext context, IReadOnlyList<string> models, int batch, int steps, string deviceName, string? json, string mode, bool profile)
    {
        IReadOnlyList<(string Model, ActivationMode Mode)> cases = [.. MemoryRows.Cases(models).Where(c =>
            mode == "both" || !ModelZoo.Spec(c.Model).Reversible || c.Mode.ToString().Equals(mode, StringComparison.OrdinalIgnoreCase))];
        OutputPaths.Probe(("--json", json, false));
        using ComputeDevice device = CliDevice.Create(deviceName);
        if (!context.IsTerminal)
        {
            context.Out.WriteLine($"Measuring {cases.Count} configurations on {device}, batch {batch}, {steps} step(s) each.");
        }

        List<MemoryBenchmarkRow> rows = [];
        List<OpProfiler>? profiles = profile ? [] : null;
        void Measure(Action<string>? status) => rows = MemoryRows.Measure(
            device,
            cases,
            batch,
            steps,
            (i, c) => status?.Invoke($"[{i + 1}/{cases.Count}] {c.Model} {c.Mode.ToString().ToLowerInvariant()} ..."),
            context.Cancellation,
            profiles);
        if (context.IsTerminal)
        {
            context.Console.Status().Start("measuring ...", ctx => Measure(text => ctx.Status(Markup.Escape(text))));
        }
        else
        {
            Measure(null);
        }

        Print(context.Console, rows, $"Training step on {device}: 3x32x32 images, 10 classes, batch {batch}");
        for (int i = 0; i < (profiles?.Count ?? 0); i++)
        {
            PrintProfile(context, $"Profile of one step: {rows[i].Model} {rows[i].Mode}, batch {batch}", profiles![i]);
        }

        if (json is not null)
        {
            MemoryRows.Write(json, rows);
            context.Console.WriteLine($"Rows written to {json}.");
        }

        return ExitCodes.Success;
    }

    /// <summary>Prints a profiled step's tables (the device synchronized around every op, so slower than unprofiled).</summary>
    public static void PrintProfile(CliContext context, string title, OpProfiler profiler)
    {
        context.Out.WriteLine();
        context.Out.WriteLine(title + " (each op synchronized and timed on its own):");
        context.Out.Write(OpProfileTable.Format(profiler, topLayers: 10));
    }

    private static string Ms(double ms) => Units.Fixed(ms, ms < 100 ? 1 : 0) + " ms";

    private static List<string> SplitNames(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(v => v.ToLowerInvariant())];
}
