using System.Runtime.InteropServices;
using RevNet.Cli;

// Ctrl+C (SIGINT) and SIGTERM (docker stop, systemd) ask the running command to stop between steps; train saves its
// checkpoint first. A second Ctrl+C kills. A run stopped by SIGTERM exits 143 (128 + 15), by Ctrl+C 130.
using var cancel = new CancellationTokenSource();
bool terminated = false;
Console.CancelKeyPress += (_, e) =>
{
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    terminated = true;
    cancel.Cancel();
});

int code = CliApp.Run(args, Console.Out, Console.Error, cancel.Token);
return terminated && code == ExitCodes.Cancelled ? ExitCodes.Terminated : code;
