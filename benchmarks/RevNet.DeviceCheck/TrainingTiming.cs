using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.DeviceCheck;

/// <summary>Training-step time and memory of one model.</summary>
internal sealed record TrainingTime(
    string Model, string Mode, int Batch, double MedianStepMilliseconds, double Loss, long PeakInUseBytes,
    long AllocatedBytes);

/// <summary>
/// Full SGD training steps (forward, loss, backward, update) on random CIFAR-sized batches with the device's default
/// kernels: a RevNet in
/// Reconstruct mode (activations rebuilt in backward) and a ResNet (activations stored), each on a fresh device so
/// that the pool figures are its own.
/// </summary>
internal static class TrainingTiming
{
    public static List<TrainingTime> Run(DeviceKind kind, CheckOptions options)
    {
        var results = new List<TrainingTime>();
        foreach (string name in options.Models)
        {
            // The device's default kernels: tiled on a GPU, simple on the simulator (whose 256-thread groups cost
            // milliseconds per launch; the tiled kernels are checked there by the op comparison), with 8x8 images.
            using ComputeDevice device = DeviceFactory.Create(kind, "auto");
            ModelOptions modelOptions =
                options.Small ? ModelOptions.FashionMnist with { ImageSize = 8 } : ModelOptions.Cifar10;
            using Model model = ModelZoo.Create(name, device, modelOptions);
            model.Mode = model.IsReversible ? ActivationMode.Reconstruct : ActivationMode.Store;
            int batch = options.TrainingBatch;
            using Tensor input = device.Pool.Rent(model.InputShape(batch), MemoryCategory.Activations);
            input.CopyFrom(TensorScope.Values(7, input.ElementCount));
            int[] labels = [.. Enumerable.Range(0, batch).Select(i => i % modelOptions.Classes)];
            var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, new Sgd(0.01f, 0.9f));

            StepResult last = step.Run(input, labels);
            device.Synchronize();
            device.Pool.ResetPeaks();
            var times = new List<double>();
            for (int i = 0; i < options.TrainingSteps; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                last = step.Run(input, labels);
                device.Synchronize();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }

            times.Sort();
            var result = new TrainingTime(
                model.Name, model.Mode.ToString(), batch, times[times.Count / 2], last.Loss,
                device.Pool.PeakInUseBytes, device.Pool.AllocatedBytes);
            Console.WriteLine(
                $"  {result.Model,-14} {result.Mode,-12} batch {batch,4}: {result.MedianStepMilliseconds,10:F1} ms/step, " +
                $"pool peak {result.PeakInUseBytes / 1048576.0,8:F1} MiB, allocated {result.AllocatedBytes / 1048576.0,8:F1} MiB, " +
                $"loss {result.Loss:F4}");
            results.Add(result);
        }

        return results;
    }
}
