using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Kernels;

namespace RevNet.ILGPU.Tests.GpuKernels;

/// <summary>
/// Two CPU-accelerator devices: <see cref="Tiled"/> runs the tiled kernels on 256-thread groups
/// (<see cref="IlgpuBackend.TiledSimulator"/>), <see cref="Simple"/> is the default simulator with the simple twins.
/// </summary>
public sealed class TiledSimulatorFixture : IDisposable
{
    public TiledSimulatorFixture()
    {
        Tiled = ComputeDevice.Create(IlgpuBackend.TiledSimulator);
        Simple = ComputeDevice.Create(DeviceKind.IlgpuCpu);
    }

    public ComputeDevice Tiled { get; }

    public ComputeDevice Simple { get; }

    public void Dispose()
    {
        Tiled.Dispose();
        Simple.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TiledSimulatorCollection : ICollectionFixture<TiledSimulatorFixture>
{
    public const string Name = "TiledSimulator";
}
