using Spectre.Console;

namespace RevNet.Cli;

/// <summary>What every command needs: the writers, the console, the cancellation token and the verbosity.</summary>
internal sealed class CliContext
{
    private IAnsiConsole? _console;

    public CliContext(TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        Out = output;
        Error = error;
        Cancellation = cancellation;
        IsTerminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
    }

    /// <summary>Results and progress.</summary>
    public TextWriter Out { get; }

    /// <summary>Errors and warnings.</summary>
    public TextWriter Error { get; }

    /// <summary>Set by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Whether <see cref="Out"/> is an interactive console (live displays, colours); false when redirected.</summary>
    public bool IsTerminal { get; }

    /// <summary>Whether errors print their stack trace.</summary>
    public bool Verbose { get; set; }

    /// <summary>The activation mode of the model being trained, once known (an out-of-memory error's advice uses it).</summary>
    public RevNet.ILGPU.Layers.ActivationMode? TrainingMode { get; set; }

    /// <summary>
    /// A Spectre console over <see cref="Out"/>: colours and live redraws on a terminal, plain text (no ANSI codes,
    /// 160 columns) otherwise.
    /// </summary>
    public IAnsiConsole Console => _console ??= CreateConsole();

    private IAnsiConsole CreateConsole()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
        {
            console.Profile.Width = 160;
        }

        return console;
    }
}
