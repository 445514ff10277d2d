using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using RevNet.Cli.Commands;
using RevNet.ILGPU.Devices;

namespace RevNet.Cli;

/// <summary>
/// The <c>revnet</c> command-line app: <c>train</c>, <c>eval</c>, <c>models</c>, <c>memory</c>, <c>audit</c> and
/// <c>devices</c>. Every failure ends as one <c>error: ...</c> line on the error writer and a non-zero exit code;
/// the stack trace is printed only with <c>--verbose</c>.
/// </summary>
public static class CliApp
{
    /// <summary>Parses the arguments and runs the chosen command.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="output">Where results and progress go (a live display is used only for an interactive console).</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops long commands between steps (Ctrl+C).</param>
    /// <returns>The exit code: 0 on success, see <see cref="ExitCodes"/> otherwise.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var context = new CliContext(output, error, cancellationToken);
        try
        {
            if (Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable) is { Length: > 0 } env)
            {
                try
                {
                    ComputeDevice.ParseKind(env);
                }
                catch (ArgumentException)
                {
                    error.WriteLine(
                        $"error: {ComputeDevice.EnvironmentVariable}='{env}' is not a device; set it to one of auto, host, ilgpucpu, "
                        + "cuda, opencl, or unset it.");
                    return ExitCodes.Usage;
                }
            }

            RootCommand root = BuildRoot(context, out Option<bool> verbose);
            ParseResult parse = root.Parse(args);
            context.Verbose = parse.GetValue(verbose);
            if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
            {
                error.WriteLine("error: " + ParseErrorText.Describe(parse));
                return ExitCodes.Usage;
            }

            if (parse.Action is not HelpAction)
            {
                WorkingDirectory.EnsureExists();
            }

            return parse.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
#pragma warning disable CA1031 // The app's last line of defence: every failure becomes one line and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ErrorReport.Write(ex, context);
        }
    }

    private static RootCommand BuildRoot(CliContext context, out Option<bool> verbose)
    {
        verbose = new Option<bool>("--verbose")
        {
            Description = "Print the stack trace of an error.",
            Recursive = true,
        };
        var root = new RootCommand(
            "Reversible residual networks (RevNets) trained with ILGPU kernels and a managed SIMD host backend.");
        root.Options.Add(verbose);
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ModelsCommand.Create(context));
        root.Subcommands.Add(MemoryCommand.Create(context));
        root.Subcommands.Add(AuditCommand.Create(context));
        root.Subcommands.Add(DevicesCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(PredictCommand.Create(context));
        return root;
    }
}
