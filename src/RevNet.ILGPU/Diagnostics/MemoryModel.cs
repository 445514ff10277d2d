using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// The pool bytes a training step needs as a function of the batch size: bytes(batch) = fixed + perSample·batch.
/// Parameters, gradients and optimizer state make the fixed part; activations and workspace grow linearly in the
/// batch. Fitted from the peaks of two measured steps; answers "the largest batch that fits".
/// </summary>
/// <param name="FixedBytes">Bytes independent of the batch size.</param>
/// <param name="BytesPerSample">Bytes added by each sample of the batch.</param>
public sealed record MemoryModel(long FixedBytes, long BytesPerSample)
{
    /// <summary>The bytes a step needs at a batch size.</summary>
    /// <param name="batch">The batch size.</param>
    /// <returns>fixed + perSample·batch.</returns>
    public long Estimate(int batch) => FixedBytes + (BytesPerSample * batch);

    /// <summary>The largest batch whose estimate fits a budget.</summary>
    /// <param name="budgetBytes">The bytes available (e.g. <see cref="BufferPool.CapacityBytes"/>).</param>
    /// <returns>The batch size; 0 when not even one sample fits; <see cref="int.MaxValue"/> when nothing grows.</returns>
    public int LargestBatch(long budgetBytes)
    {
        if (budgetBytes < FixedBytes + BytesPerSample)
        {
            return 0;
        }

        return BytesPerSample <= 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, (budgetBytes - FixedBytes) / BytesPerSample);
    }

    /// <summary>Fits the model through two measurements.</summary>
    /// <param name="batchA">The smaller batch size.</param>
    /// <param name="bytesA">Its peak bytes.</param>
    /// <param name="batchB">The larger batch size.</param>
    /// <param name="bytesB">Its peak bytes.</param>
    /// <returns>The model (the per-sample bytes rounded up, so that estimates err on the safe side).</returns>
    /// <exception cref="ArgumentOutOfRangeException">batchA is not positive or batchB is not larger.</exception>
    public static MemoryModel Fit(int batchA, long bytesA, int batchB, long bytesB)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchA);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(batchB, batchA);
        int span = batchB - batchA;
        long perSample = Math.Max(0, ((bytesB - bytesA) + span - 1) / span);
        return new MemoryModel(Math.Max(0, bytesA - (perSample * batchA)), perSample);
    }

    /// <summary>
    /// Measures a model: two training steps (forward, softmax cross-entropy, backward; the second replays the first's
    /// plan) at each of two small batch sizes with random inputs, counting the bytes the pool holds from the device in
    /// the planned step (<see cref="BufferPool.PeakAllocatedBytes"/>: parameters, gradients, the step arena and the
    /// input). The pool's cache is trimmed first. The model's buffers (running statistics) and gradients are restored
    /// afterwards; its weights are not touched.
    /// </summary>
    /// <param name="model">The model; its output is [N, classes] (or [N, classes, 1, 1]).</param>
    /// <param name="sampleShape">One sample's shape without the batch dimension, e.g. [1, 28, 28].</param>
    /// <param name="extraFixedBytes">Bytes to add to the fixed part (e.g. optimizer state not rented yet).</param>
    /// <param name="batchA">The smaller measured batch.</param>
    /// <param name="batchB">The larger measured batch.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="DeviceOutOfMemoryException">Even a measured step does not fit.</exception>
    public static MemoryModel Measure(ILayer model, Shape sampleShape, long extraFixedBytes = 0, int batchA = 4, int batchB = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchA);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(batchB, batchA);
        if (model.Parameters.Count == 0)
        {
            throw new ArgumentException("The model has no parameters, so its device is unknown.", nameof(model));
        }

        ComputeDevice device = model.Parameters[0].Value.Device;
        float[][] buffers = [.. model.Buffers.Select(b => b.Value.ToArray())];
        float[][] gradients = [.. model.Parameters.Select(p => p.Gradient?.ToArray() ?? [])];
        try
        {
            long a = ReservedOfStep(device, model, sampleShape, batchA);
            long b = ReservedOfStep(device, model, sampleShape, batchB);
            MemoryModel fitted = Fit(batchA, a, batchB, b);
            return fitted with { FixedBytes = fitted.FixedBytes + extraFixedBytes };
        }
        finally
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                model.Buffers[i].Value.CopyFrom(buffers[i]);
            }

            for (int i = 0; i < gradients.Length; i++)
            {
                model.Parameters[i].Gradient?.CopyFrom(gradients[i]);
            }
        }
    }

    /// <summary>
    /// Measures a model's memory at two small batches and returns an out-of-memory error again, with the largest batch
    /// that fits the pool's budget (<see cref="DeviceOutOfMemoryException.SuggestedMaxBatch"/>).
    /// </summary>
    /// <param name="ex">The error of a training step.</param>
    /// <param name="model">The model that was training.</param>
    /// <param name="batchShape">The batch's shape [N, ...].</param>
    /// <param name="pendingState">Optimizer state bytes still to be allocated.</param>
    /// <returns>The error with the advice.</returns>
    public static DeviceOutOfMemoryException WithSuggestedBatch(
        DeviceOutOfMemoryException ex, ILayer model, Shape batchShape, long pendingState)
    {
        ArgumentNullException.ThrowIfNull(ex);
        ArgumentNullException.ThrowIfNull(model);
        ComputeDevice device = model.Parameters[0].Value.Device;
        int count = batchShape[0];
        int[] dims = new int[batchShape.Rank - 1];
        for (int d = 1; d < batchShape.Rank; d++)
        {
            dims[d - 1] = batchShape[d];
        }

        long budget = device.Pool.CapacityBytes;
        (int suggested, string fit) = Suggest(model, new Shape(dims), pendingState, count, budget);
        string advice = suggested > 0
            ? $"The largest batch size that fits is {suggested} (memory model: {fit}; budget {budget} bytes)."
            : $"No batch size fits ({fit}; budget {budget} bytes): use a smaller model or ActivationMode.Reconstruct.";
        return new DeviceOutOfMemoryException($"{ex.Message} Training at batch size {count}. {advice}", ex)
        {
            RequestedBytes = ex.RequestedBytes,
            InUseBytes = ex.InUseBytes,
            CapacityBytes = budget,
            Batch = count,
            SuggestedMaxBatch = suggested,
        };
    }

    /// <summary>
    /// The largest batch below <paramref name="count"/> that fits the budget, from the planner's own batches first (as
    /// <c>memory plan</c> and the train command measure), smaller ones near the limit. The pool's own cap is lifted
    /// while measuring (the failed step's leftovers still hold part of it); a real device's limit still applies.
    /// </summary>
    private static (int Batch, string Fit) Suggest(ILayer model, Shape sample, long pendingState, int count, long budget)
    {
        BufferPool pool = model.Parameters[0].Value.Device.Pool;
        long? cap = pool.LimitBytes;
        pool.LimitBytes = null;
        try
        {
            foreach ((int a, int b) in new[] { (4, 8), (2, 4), (1, 2) }.Where(p => p.Item2 < count))
            {
                try
                {
                    MemoryModel memory = Measure(model, sample, pendingState, a, b);
                    if (memory.BytesPerSample > 0)
                    {
                        // (A fit with nothing per sample is noise: it would call every batch size fitting.)
                        return (Math.Min(memory.LargestBatch(budget), count - 1),
                            $"{memory.FixedBytes} bytes fixed + {memory.BytesPerSample} bytes per sample");
                    }
                }
                catch (DeviceOutOfMemoryException)
                {
                    // A smaller pair next.
                }
            }

            return (0, "a measuring step at batch 1 or 2 did not fit either");
        }
        finally
        {
            pool.Trim();
            pool.LimitBytes = cap;
        }
    }

    private static long ReservedOfStep(ComputeDevice device, ILayer model, Shape sampleShape, int batch)
    {
        int[] dims = new int[sampleShape.Rank + 1];
        dims[0] = batch;
        for (int d = 0; d < sampleShape.Rank; d++)
        {
            dims[d + 1] = sampleShape[d];
        }

        BufferPool pool = device.Pool;
        device.Synchronize();
        pool.Trim();
        using Tensor x = pool.Rent(new Shape(dims), MemoryCategory.Workspace);
        FillUniform(x, new Random(batch));
        var step = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, null);
        step.Compute(x, new int[batch]);
        pool.ResetPeaks();
        step.Compute(x, new int[batch]);
        device.Synchronize();
        return pool.PeakAllocatedBytes;
    }

    /// <summary>Fills a tensor with uniform values in [-1, 1) from <paramref name="rng"/> (a measuring step's input).</summary>
    internal static void FillUniform(Tensor t, Random rng)
    {
        float[] data = new float[t.ElementCount];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        t.CopyFrom(data);
    }
}
