using System.CommandLine;
using RevNet.ILGPU.Devices;
using Spectre.Console;

namespace RevNet.Cli.Commands;

/// <summary><c>devices</c>: every backend, whether it can be used here, and why not.</summary>
internal static class DevicesCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("devices", "List the compute backends found on this machine and why any is unavailable.");
        command.SetAction(_ => Run(context));
        return command;
    }

    private static int Run(CliContext context)
    {
        IReadOnlyList<BackendProbe> probes = ComputeDevice.Discover();
        DeviceKind? auto = probes.FirstOrDefault(p => p.Available)?.Kind;
        var table = new Table().AddColumns("backend", "available", "device", "details");
        foreach (BackendProbe p in probes)
        {
            table.AddRow(
                Markup.Escape(p.Kind.ToString() + (p.Kind == auto ? " (auto)" : string.Empty)),
                p.Available ? "yes" : "no",
                Markup.Escape(p.Name),
                Markup.Escape(p.Reason));
        }

        context.Console.Write(table);
        string? env = Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            context.Console.WriteLine($"{ComputeDevice.EnvironmentVariable}={env} overrides auto.");
        }

        return ExitCodes.Success;
    }
}
