namespace RevNet.ILGPU.Devices;

/// <summary>What device discovery found for one backend, and why it can or cannot be used.</summary>
/// <param name="Kind">The backend.</param>
/// <param name="Available">Whether a device of this kind can be created.</param>
/// <param name="Name">The device name when available, otherwise empty.</param>
/// <param name="Reason">Why the backend is (not) available, in words.</param>
public sealed record BackendProbe(DeviceKind Kind, bool Available, string Name, string Reason)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind,-8} {(Available ? "available" : "unavailable"),-11} {Name} {(Reason.Length > 0 ? "(" + Reason + ")" : string.Empty)}";
}
