using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// Measures training steps (forward, softmax cross-entropy, backward, SGD with momentum) of a model in one
/// <see cref="ActivationMode"/>: peak activation, live and reserved pool bytes of a step, the process's resident growth
/// (Host) or the driver's device memory in use (GPU), and the median times. Warm-up steps run first; after them a step
/// allocates nothing new from the device.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>Builds a zoo model and measures it.</summary>
    /// <param name="device">The device.</param>
    /// <param name="modelName">A <see cref="ModelZoo.Names"/> entry.</param>
    /// <param name="mode">How activations are kept.</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="steps">Measured steps (after one warm-up step).</param>
    /// <param name="options">Input shape and classes (default CIFAR-10).</param>
    /// <param name="profiler">When given, one more step runs after the measured ones under this profiler.</param>
    /// <returns>The row.</returns>
    public static MemoryBenchmarkRow Run(
        ComputeDevice device,
        string modelName,
        ActivationMode mode,
        int batch = 128,
        int steps = 3,
        ModelOptions? options = null,
        OpProfiler? profiler = null)
    {
        using Model model = ModelZoo.Create(modelName, device, options);
        return Measure(model, mode, batch, steps, profiler: profiler);
    }

    /// <summary>Measures an existing model (its weights change: SGD steps run).</summary>
    /// <param name="model">The model.</param>
    /// <param name="mode">How activations are kept (the model's mode is restored afterwards).</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="steps">Measured steps.</param>
    /// <param name="warmupSteps">Unmeasured steps first (at least 1, so that the pool is warm).</param>
    /// <param name="seed">Seed of the random batch.</param>
    /// <param name="profiler">When given, one more step runs after the measured ones under this profiler (the row's
    /// figures do not include it).</param>
    /// <returns>The row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">batch or steps not positive, or warmupSteps below 1.</exception>
    public static MemoryBenchmarkRow Measure(
        Model model, ActivationMode mode, int batch, int steps = 3, int warmupSteps = 1, int seed = 0, OpProfiler? profiler = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 1);
        ComputeDevice device = model.Parameters[0].Value.Device;
        BufferPool pool = device.Pool;
        ActivationMode originalMode = model.Mode;
        model.Mode = mode;
        using var sgd = new Sgd(0.01f, momentum: 0.9f, weightDecay: 5e-4f);
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd) { Timed = true };
        Tensor? input = null;
        try
        {
            input = pool.Rent(model.InputShape(batch), MemoryCategory.Workspace);
            var rng = new Random(seed);
            MemoryModel.FillUniform(input, rng);
            int[] labels = [.. Enumerable.Range(0, batch).Select(_ => rng.Next(model.Options.Classes))];

            device.Synchronize();
            pool.Trim();
            GC.Collect();
            long residentBefore = ProcessMemory.ResidentBytes;
            ProcessMemory.ResetPeakResident();
            for (int i = 0; i < warmupSteps; i++)
            {
                Time(step, input, labels);
            }

            long allocations = pool.AllocationCount;
            long activationPeak = 0, totalPeak = 0, reservedPeak = 0;
            double[] fwd = new double[steps], bwd = new double[steps], all = new double[steps];
            for (int i = 0; i < steps; i++)
            {
                pool.ResetPeaks();
                (fwd[i], bwd[i], all[i]) = Time(step, input, labels);
                activationPeak = Math.Max(activationPeak, pool.PeakBytes(MemoryCategory.Activations));
                totalPeak = Math.Max(totalPeak, pool.PeakInUseBytes);
                reservedPeak = Math.Max(reservedPeak, pool.PeakAllocatedBytes);
            }

            long growth = ProcessMemory.DeviceUsedBytes(device) ?? (ProcessMemory.PeakResidentBytes - residentBefore);
            Shape shape = input.Shape;

            var row = new MemoryBenchmarkRow(
                model.Name, model.Depth, mode == ActivationMode.Store ? "store" : "reconstruct", batch,
                activationPeak, totalPeak, Median(fwd), Median(bwd), Median(all), pool.AllocationCount - allocations,
                reservedPeak, growth, (long)batch * shape[2] * shape[3]);
            profiler?.Run(device, model.Network, () => step.Run(input, labels));
            return row;
        }
        finally
        {
            model.Mode = originalMode;
            input?.Dispose();
        }
    }

    private static (double Forward, double Backward, double Step) Time(TrainingStep step, Tensor input, int[] labels)
    {
        long start = Stopwatch.GetTimestamp();
        StepResult r = step.Run(input, labels);
        double all = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return (r.ForwardMilliseconds, r.BackwardMilliseconds, all);
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
