using RevNet.DeviceCheck;
using RevNet.ILGPU.Devices;

// The GPU device check: which devices exist, every op on the GPU against Host, simple vs tiled kernel speed,
// RevNet and ResNet training steps, and a JSON report. Exit codes are listed in CheckOptions.Usage.
CheckOptions? options;
try
{
    options = CheckOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

if (options is null)
{
    return args.Contains("--help") || args.Contains("-h") ? 0 : 1;
}

string? driver = NvidiaDriver();
Console.WriteLine($"NVIDIA driver: {driver ?? "none found (/proc/driver/nvidia/version is missing)"}");
IReadOnlyList<BackendProbe> probes = ComputeDevice.Discover();
foreach (BackendProbe probe in probes)
{
    Console.WriteLine($"  {probe}");
}

BackendProbe? wanted = probes.FirstOrDefault(p => p.Kind == options.Device);
if (wanted is not { Available: true })
{
    Console.Error.WriteLine(
        $"No usable {options.Device} device on this machine: {wanted?.Reason ?? "not probed"}. This check needs an " +
        "NVIDIA GPU with its driver (or an OpenCL GPU with --device opencl). To smoke-test the check itself on the " +
        "CPU, run it with --device ilgpucpu.");
    return 2;
}

try
{
    using ComputeDevice host = ComputeDevice.Create(DeviceKind.Host);
    string deviceName;
    List<OpResult> ops;
    using (ComputeDevice device = DeviceFactory.Create(options.Device, "tiled"))
    {
        deviceName = device.Name;
        Console.WriteLine($"Checking {device} against {host}.");
        Console.WriteLine($"Ops (max relative error vs Host, tolerance {OpResult.Tolerance:G}):");
        ops = OpComparison.Run(device, host, options.Small);
        foreach (OpResult op in ops)
        {
            Console.WriteLine(
                $"  {(op.Ok ? "ok  " : "FAIL")} {op.Name,-24} {op.MaxRelativeError,12:E2}  {op.Shape}");
        }
    }

    Console.WriteLine("Kernels (simple vs tiled):");
    List<KernelTime> kernels = KernelTiming.Run(options.Device, options.Small);
    Console.WriteLine("Training steps (SGD, momentum 0.9; median):");
    List<TrainingTime> training = TrainingTiming.Run(options.Device, options);

    var report = new Report(
        deviceName, options.Device.ToString(), driver, [.. probes.Select(p => p.ToString())], ops, kernels, training);
    report.Write(options.OutPath);
    Console.WriteLine($"Wrote {Path.GetFullPath(options.OutPath)}");
    int failed = ops.Count(o => !o.Ok);
    if (failed > 0)
    {
        Console.Error.WriteLine($"{failed} op output(s) disagree with Host beyond {OpResult.Tolerance:G}.");
        return 3;
    }

    return 0;
}
#pragma warning disable CA1031 // The check reports any failure with its type and message and a non-zero exit code.
catch (Exception ex)
#pragma warning restore CA1031
{
    Console.Error.WriteLine($"Device check failed: {ex.GetType().Name}: {ex.Message}");
    Console.Error.WriteLine(ex.StackTrace);
    return 1;
}

static string? NvidiaDriver()
{
    const string Path = "/proc/driver/nvidia/version";
    return File.Exists(Path) ? File.ReadLines(Path).FirstOrDefault()?.Trim() : null;
}
