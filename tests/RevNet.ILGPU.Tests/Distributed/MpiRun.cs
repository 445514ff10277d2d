using System.Diagnostics;

namespace RevNet.ILGPU.Tests.Distributed;

/// <summary>Launches the MPI worker (or the CLI) under <c>mpirun -np N</c> on loopback only, with a hard timeout.</summary>
public static class MpiRun
{
    /// <summary>The worker program, copied next to the test assembly by its project reference.</summary>
    public static string WorkerDll => Path.Combine(AppContext.BaseDirectory, "RevNet.ILGPU.MpiWorker.dll");

    /// <summary>mpirun on PATH, or null.</summary>
    public static string? MpirunPath { get; } = Find("mpirun");

    /// <summary>Skips the calling test when Open MPI is absent.</summary>
    public static void SkipIfUnavailable() =>
        Skip.If(MpirunPath is null, "mpirun not found: install Open MPI ('apt-get install -y --no-install-recommends openmpi-bin'); .ci/run does.");

    /// <summary>Runs <c>mpirun -np <paramref name="np"/> dotnet &lt;dll&gt; args</c>; returns exit code and output.</summary>
    public static (int ExitCode, string Output) Run(
        int np, string dll, IEnumerable<string> args, int timeoutSeconds = 60, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(MpirunPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-np", np.ToString(System.Globalization.CultureInfo.InvariantCulture), "--oversubscribe", "dotnet", dll }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        ConfigureLoopback(psi.Environment);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
            psi.ArgumentList.Insert(0, "-x");
            psi.ArgumentList.Insert(1, key);
        }

        return RunProcess(psi, timeoutSeconds);
    }

    /// <summary>Runs <c>dotnet &lt;dll&gt; args</c> without mpirun (a single process).</summary>
    public static (int ExitCode, string Output) RunSingle(string dll, IEnumerable<string> args, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["TERM"] = "dumb";
        return RunProcess(psi, timeoutSeconds);
    }

    /// <summary>The loopback-only Open MPI settings the tests use (also allow running as root).</summary>
    public static void ConfigureLoopback(IDictionary<string, string?> env)
    {
        env["OMPI_MCA_btl"] = "self,vader";
        env["OMPI_MCA_pml"] = "ob1";
        env["OMPI_MCA_oob_tcp_if_include"] = "lo";
        env["HWLOC_COMPONENTS"] = "-gl";
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        env["TERM"] = "dumb";
    }

    private static (int, string) RunProcess(ProcessStartInfo psi, int timeoutSeconds)
    {
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish in {timeoutSeconds} s:\n{stdout.Result}\n{stderr.Result}");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
