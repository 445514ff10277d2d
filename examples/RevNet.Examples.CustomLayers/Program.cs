// A RevNet with a user-written layer as G: trains a few steps in Store and in Reconstruct mode on the same random
// batch and shows that the gradients agree bit for bit while Reconstruct keeps far fewer activation bytes.
using RevNet.Examples.CustomLayers;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

int blocks = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 16;
using ComputeDevice device = ComputeDevice.Create(DeviceKind.Auto);
Console.WriteLine($"{blocks} blocks on {device.Name}");
var rng = new Random(7);
using Tensor x = device.Pool.Rent(new Shape(16, 1, 16, 16), MemoryCategory.Workspace);
x.CopyFrom([.. Enumerable.Range(0, (int)x.ElementCount).Select(_ => (float)rng.NextDouble())]);
int[] labels = [.. Enumerable.Range(0, 16).Select(i => i % 10)];

float[][]? reference = null;
foreach (ActivationMode mode in new[] { ActivationMode.Store, ActivationMode.Reconstruct })
{
    using Sequential net = CustomRevNet.Build(device, blocks);
    net.Mode = mode;
    using var sgd = new Sgd(0.05f, momentum: 0.9f);
    var step = new TrainingStep(net, SoftmaxCrossEntropyLoss.Instance, sgd);
    device.Pool.ResetPeaks();
    StepResult r = default;
    for (int i = 0; i < 3; i++)
    {
        r = step.Run(x, labels);
    }

    float[][] weights = [.. net.Parameters.Select(p => p.Value.ToArray())];
    string same = reference is null ? "" : weights.Zip(reference).All(w => w.First.SequenceEqual(w.Second))
        ? ", weights bit-identical to Store"
        : ", weights DIFFER from Store";
    reference ??= weights;
    Console.WriteLine(
        $"{mode,-12} loss {r.Loss:F4}  activation peak {device.Pool.PeakBytes(MemoryCategory.Activations) / 1024.0:F1} KiB{same}");
}
