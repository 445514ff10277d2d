using RevNet.ILGPU.Devices;

namespace RevNet.ILGPU.Tests.Fixtures;

/// <summary>
/// One compute device shared by every test class of a backend (ILGPU's pattern: abstract tests take the fixture,
/// each backend is a one-line sealed subclass). When the backend is missing, <see cref="Require"/> reports the
/// test as skipped, never passed.
/// </summary>
public abstract class DeviceFixture : IDisposable
{
    private readonly ComputeDevice? _device;

    protected DeviceFixture(DeviceKind kind)
    {
        Kind = kind;
        try
        {
            _device = ComputeDevice.Create(kind);
        }
        catch (DeviceUnavailableException ex)
        {
            SkipReason = ex.Message;
        }
#pragma warning disable CA1031 // A backend that fails to start is reported as skipped with the reason.
        catch (Exception ex) when (kind is DeviceKind.Cuda or DeviceKind.OpenCL)
#pragma warning restore CA1031
        {
            SkipReason = $"{kind} could not start: {ex.GetType().Name}: {ex.Message}";
        }
    }

    public DeviceKind Kind { get; }

    public string? SkipReason { get; }

    /// <summary>The device, or a skip when this machine has none of this kind.</summary>
    public ComputeDevice Require()
    {
        Skip.If(_device is null, SkipReason ?? $"No {Kind} device.");
        return _device!;
    }

    public override string ToString() => Kind.ToString();

    public void Dispose()
    {
        _device?.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class HostFixture() : DeviceFixture(DeviceKind.Host);

public sealed class IlgpuCpuFixture() : DeviceFixture(DeviceKind.IlgpuCpu);

public sealed class CudaFixture() : DeviceFixture(DeviceKind.Cuda);

public sealed class OpenCLFixture() : DeviceFixture(DeviceKind.OpenCL);

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "Host";
}

[CollectionDefinition(Name)]
public sealed class IlgpuCpuCollection : ICollectionFixture<IlgpuCpuFixture>
{
    public const string Name = "IlgpuCpu";
}

[CollectionDefinition(Name)]
public sealed class CudaCollection : ICollectionFixture<CudaFixture>
{
    public const string Name = "Cuda";
}

[CollectionDefinition(Name)]
public sealed class OpenCLCollection : ICollectionFixture<OpenCLFixture>
{
    public const string Name = "OpenCL";
}
