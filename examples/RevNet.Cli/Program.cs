using RevNet.Cli;

// Ctrl+C asks the running command to stop between steps (train saves its checkpoint first); a second Ctrl+C kills.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};

return CliApp.Run(args, Console.Out, Console.Error, cancel.Token);
