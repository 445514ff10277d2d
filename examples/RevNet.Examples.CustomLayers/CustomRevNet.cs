using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;

namespace RevNet.Examples.CustomLayers;

/// <summary>A small RevNet whose G functions are the user layer <see cref="ConvBatchNorm"/>.</summary>
public static class CustomRevNet
{
    /// <summary>
    /// Builds stem → <paramref name="blocks"/> reversible blocks (F: the library's BN-ReLU-conv, G:
    /// <see cref="ConvBatchNorm"/>) → BN-ReLU, global average pooling, linear head.
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="blocks">Reversible blocks.</param>
    /// <param name="channels">Channels of the body (even; each half has channels / 2).</param>
    /// <param name="classes">Output classes.</param>
    /// <param name="nested">Group the blocks into nested <see cref="Sequential"/>s of four (the plan is the same).</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <returns>The network, input [N, 1, H, W], output [N, classes].</returns>
    public static Sequential Build(ComputeDevice device, int blocks, int channels = 8, int classes = 10, bool nested = false, int seed = 1)
    {
        int half = channels / 2;
        var body = new List<ILayer>();
        for (int i = 0; i < blocks; i++)
        {
            ILayer f = new Sequential(
                $"block{i}.f",
                [
                    new BatchNorm2d(device, half, relu: true, name: $"block{i}.f.bn"),
                    new Conv2d(device, half, half, 3, seed: seed + (2 * i), name: $"block{i}.f.conv"),
                ]);
            body.Add(new ReversibleBlock(f, new ConvBatchNorm(device, half, seed + (2 * i) + 1, $"block{i}.g"), $"block{i}"));
        }

        IEnumerable<ILayer> grouped = nested
            ? body.Chunk(4).Select((c, k) => (ILayer)new Sequential($"stage{k}", c))
            : body;
        return new Sequential(
            "custom-revnet",
            [
                new Conv2d(device, 1, channels, 3, seed: seed + 1000, name: "stem"),
                .. grouped,
                new BatchNorm2d(device, channels, relu: true, name: "head.bn"),
                new GlobalAvgPool("head.pool"),
                new Linear(device, channels, classes, seed + 1001, "head.fc"),
            ]);
    }
}
