using System.Globalization;
using ILGPU.Runtime.Cuda;
using RevNet.ILGPU.Devices;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// Memory as the operating system and the GPU driver see it — what <c>top</c>, <c>/usr/bin/time</c> and
/// <c>nvidia-smi</c> show — beside the pool's own counters. Linux reads <c>/proc/self/status</c>; elsewhere the
/// .NET process counters are used and the peak cannot be reset.
/// </summary>
public static class ProcessMemory
{
    /// <summary>The process's resident set size now, in bytes.</summary>
    public static long ResidentBytes => ReadStatus("VmRSS:") ?? Environment.WorkingSet;

    /// <summary>The process's peak resident set size (since start or <see cref="ResetPeakResident"/>), in bytes.</summary>
    public static long PeakResidentBytes
    {
        get
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return ReadStatus("VmHWM:") ?? self.PeakWorkingSet64;
        }
    }

    /// <summary>Sets the peak resident size to the current one (Linux: <c>/proc/self/clear_refs</c>).</summary>
    /// <returns>Whether the peak could be reset.</returns>
    public static bool ResetPeakResident()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The device memory in use as its driver reports it (all processes, context included), or null when the device
    /// cannot say (Host, the simulator, OpenCL).
    /// </summary>
    /// <param name="device">The device.</param>
    /// <returns>Bytes in use on the device, or null.</returns>
    public static long? DeviceUsedBytes(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Accelerator is CudaAccelerator cuda ? cuda.MemorySize - cuda.GetFreeMemory() : null;
    }

    private static long? ReadStatus(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    string[] parts = line[key.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        return null;
    }
}
