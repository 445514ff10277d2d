using System.Diagnostics;

namespace RevNet.ILGPU.Tests.Support;

/// <summary>
/// FIFOs (named pipes) for the tests of issue #14: a reader that opens one blocks until a writer comes, so every
/// read of a FIFO must be refused before it is opened. <see cref="Refuses"/> runs a read with a guard: if the read
/// blocks, the guard opens the FIFO for writing (which releases the reader) and the test fails instead of hanging.
/// </summary>
public static class Fifo
{
    /// <summary>How long a refusal may take before it counts as a hang (generous: the suite may run on a busy machine).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Creates a FIFO with <c>mkfifo</c>; skips the test when there is no <c>mkfifo</c> (Windows).</summary>
    public static string Create(string path)
    {
        Skip.If(OperatingSystem.IsWindows(), "FIFOs are a Unix feature");
        var info = new ProcessStartInfo("mkfifo") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add(path);
        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            process = null;
        }

        Skip.If(process is null, "mkfifo is not available");
        using (process)
        {
            process!.WaitForExit();
            process.ExitCode.Should().Be(0, process.StandardError.ReadToEnd());
        }

        return path;
    }

    /// <summary>
    /// Runs <paramref name="read"/> on another thread and returns what it threw; fails the test when it does not
    /// return within the patience (after releasing the blocked reader) or returns without throwing.
    /// </summary>
    public static Exception Refuses(string fifo, Action read)
    {
        Exception? thrown = Promptly(fifo, () =>
        {
            try
            {
                read();
                return null;
            }
#pragma warning disable CA1031 // The test inspects whatever the read threw.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return ex;
            }
        });
        thrown.Should().NotBeNull("reading a FIFO must be refused");
        return thrown!;
    }

    /// <summary>
    /// Runs <paramref name="run"/> (which may touch <paramref name="fifo"/>) on another thread and returns its result;
    /// if it has not returned within the patience, the FIFO is opened for writing, which releases a reader blocked in
    /// it, and the test fails.
    /// </summary>
    public static T Promptly<T>(string fifo, Func<T> run)
    {
        Task<T> task = Task.Run(run);
        WaitHandle finished = ((IAsyncResult)task).AsyncWaitHandle;
        if (!finished.WaitOne(Patience))
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            finished.WaitOne(Patience);
            throw new Xunit.Sdk.XunitException($"{fifo} blocked a reader instead of being refused at once");
        }

        return task.GetAwaiter().GetResult();
    }
}
