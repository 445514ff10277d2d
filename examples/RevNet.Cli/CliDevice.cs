using RevNet.ILGPU.Devices;

namespace RevNet.Cli;

/// <summary>
/// Creates the device a command asked for (<c>--device</c>, or <c>REVNET_DEVICE</c> under auto). A backend that is
/// not usable here is one line that says why (from discovery) and which flag or variable to change.
/// </summary>
internal static class CliDevice
{
    /// <summary>Creates the device named by <c>--device</c>.</summary>
    /// <param name="deviceName">The option's value (already validated).</param>
    /// <returns>The device, owned by the caller.</returns>
    /// <exception cref="CliException">The backend has no usable device on this machine.</exception>
    public static ComputeDevice Create(string deviceName)
    {
        DeviceKind kind = ComputeDevice.ParseKind(deviceName);
        try
        {
            return ComputeDevice.Create(kind);
        }
        catch (DeviceUnavailableException ex)
        {
            throw new CliException(Unavailable(kind, ex), ex);
        }
    }

    private static string Unavailable(DeviceKind kind, DeviceUnavailableException ex)
    {
        DeviceKind asked = kind;
        string? env = Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable);
        bool fromEnvironment = kind == DeviceKind.Auto && !string.IsNullOrWhiteSpace(env);
        if (fromEnvironment)
        {
            asked = ComputeDevice.ParseKind(env!);
        }

        BackendProbe? probe = ComputeDevice.Discover().FirstOrDefault(p => p.Kind == asked);
        string reason = probe is { Available: false, Reason.Length: > 0 } ? probe.Reason : ErrorReport.OneLine(ex.Message);
        string name = asked.ToString().ToLowerInvariant();
        string fix = fromEnvironment
            ? $"{ComputeDevice.EnvironmentVariable}={env} asks for it; unset {ComputeDevice.EnvironmentVariable} or set it to host"
            : "run with --device auto (the best available) or --device host";
        return $"no usable {name} device: {reason}; {fix}.";
    }
}
