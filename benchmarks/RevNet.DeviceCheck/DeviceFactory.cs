using RevNet.ILGPU.Devices;

namespace RevNet.DeviceCheck;

/// <summary>Creates a device with a chosen kernel variant, through the library's <c>REVNET_KERNELS</c> switch.</summary>
internal static class DeviceFactory
{
    public const string KernelsVariable = "REVNET_KERNELS";

    /// <param name="kind">The device kind.</param>
    /// <param name="kernels">auto, simple or tiled.</param>
    public static ComputeDevice Create(DeviceKind kind, string kernels)
    {
        string? previous = Environment.GetEnvironmentVariable(KernelsVariable);
        Environment.SetEnvironmentVariable(KernelsVariable, kernels);
        try
        {
            return ComputeDevice.Create(kind);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KernelsVariable, previous);
        }
    }
}
