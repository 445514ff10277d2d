using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Diagnostics;

/// <summary>
/// Checks that memory-free backward is exact: runs one training step of a graph in
/// <see cref="ActivationMode.Store"/> and one in <see cref="ActivationMode.Reconstruct"/> on the same weights and
/// batch (softmax cross-entropy), and reports per block the reconstruction error of its input, per parameter the
/// gradient agreement, and the activation bytes of each mode from the pool's counters.
/// </summary>
public static class ReversibilityAudit
{
    /// <summary>Audits a model or a <see cref="Sequential"/> whose output is logits [N, classes].</summary>
    /// <param name="model">A <see cref="Model"/> or a <see cref="Sequential"/>.</param>
    /// <param name="input">The batch (borrowed).</param>
    /// <param name="labels">One class per sample.</param>
    /// <returns>The report. The model's weights, running statistics, gradients and mode are left as they were.</returns>
    /// <exception cref="ArgumentException">The model is neither a Model nor a Sequential.</exception>
    public static AuditReport Run(ILayer model, Tensor input, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        Sequential network = model switch
        {
            Model m => m.Network,
            Sequential s => s,
            _ => throw new ArgumentException("Expected a Model or a Sequential.", nameof(model)),
        };

        ActivationMode originalMode = network.Mode;
        float[][] buffers = Snapshot(network.Buffers.Select(b => b.Value));
        float[][] gradients = Snapshot(network.Parameters.Select(p => p.Gradient!));
        int[] labelCopy = labels.ToArray();
        try
        {
            Pass store = RunPass(network, input, labelCopy, ActivationMode.Store, null);
            Restore(network.Buffers.Select(b => b.Value), buffers);
            var blocks = new List<BlockReconstruction>();
            Pass reconstruct = RunPass(network, input, labelCopy, ActivationMode.Reconstruct, blocks);

            var perParameter = new List<GradientAgreement>();
            for (int i = 0; i < network.Parameters.Count; i++)
            {
                perParameter.Add(GradientAgreement.Compare(
                    network.Parameters[i].Name, reconstruct.Gradients[i], store.Gradients[i]));
            }

            return new AuditReport(
                blocks,
                perParameter,
                GradientAgreement.Compare("all parameters", Flatten(reconstruct.Gradients), Flatten(store.Gradients)),
                GradientAgreement.Compare("input", reconstruct.InputGradient, store.InputGradient),
                store.Loss,
                reconstruct.Loss,
                store.ActivationPeak,
                reconstruct.ActivationPeak);
        }
        finally
        {
            network.Mode = originalMode;
            foreach (IGraphObserver o in network.Observers.OfType<RebuildObserver>().ToList())
            {
                network.Observers.Remove(o);
            }

            Restore(network.Buffers.Select(b => b.Value), buffers);
            Restore(network.Parameters.Select(p => p.Gradient!), gradients);
        }
    }

    private static Pass RunPass(
        Sequential network, Tensor input, int[] labels, ActivationMode mode, List<BlockReconstruction>? blocks)
    {
        var observer = blocks is null ? null : new RebuildObserver(blocks);
        if (observer is not null)
        {
            network.Observers.Add(observer);
        }

        network.Mode = mode;
        BufferPool pool = input.Device.Pool;
        input.Device.Synchronize();
        long before = pool.CurrentBytes(MemoryCategory.Activations);
        pool.ResetPeaks();
        StepResult r = new TrainingStep(network, SoftmaxCrossEntropyLoss.Instance, null) { KeepInputGradient = true }
            .Compute(input, labels);
        float loss = r.Loss;
        float[] dx;
        using (Tensor? inputGradient = r.InputGradient)
        {
            dx = inputGradient?.ToArray() ?? [];
        }

        long peak = pool.PeakBytes(MemoryCategory.Activations) - before;
        if (observer is not null)
        {
            network.Observers.Remove(observer);
        }

        blocks?.Sort((a, b) => a.LayerIndex.CompareTo(b.LayerIndex));
        float[][] grads = Snapshot(network.Parameters.Select(p => p.Gradient!));
        return new Pass(grads, dx, loss, peak);
    }

    /// <summary>Compares each rebuilt input with the input the forward saw.</summary>
    private sealed class RebuildObserver(List<BlockReconstruction> blocks) : IGraphObserver
    {
        private readonly Dictionary<int, float[]> _inputs = [];

        public void OnForward(in LayerEvent e)
        {
            if (e.Action == LayerAction.Rebuild)
            {
                _inputs[e.Index] = e.Input.ToArray();
            }
        }

        public void OnBackward(in LayerEvent e)
        {
            if (e.Action != LayerAction.Rebuild)
            {
                return;
            }

            float[] rebuilt = e.Input.ToArray();
            float[] original = _inputs[e.Index];
            double maxErr = 0, maxAbs = 0;
            for (int k = 0; k < original.Length; k++)
            {
                maxErr = Math.Max(maxErr, Math.Abs((double)rebuilt[k] - original[k]));
                maxAbs = Math.Max(maxAbs, Math.Abs((double)original[k]));
            }

            blocks.Add(new BlockReconstruction(
                e.Index, e.Layer.Name, maxErr, maxAbs, ReconstructionMonitor.CountOutsideExactRange(original)));
        }
    }

    private static float[][] Snapshot(IEnumerable<Tensor> tensors) => [.. tensors.Select(t => t.ToArray())];

    private static void Restore(IEnumerable<Tensor> tensors, float[][] values)
    {
        int i = 0;
        foreach (Tensor t in tensors)
        {
            t.CopyFrom(values[i++]);
        }
    }

    private static float[] Flatten(float[][] parts)
    {
        float[] all = new float[parts.Sum(p => p.Length)];
        int offset = 0;
        foreach (float[] p in parts)
        {
            p.CopyTo(all, offset);
            offset += p.Length;
        }

        return all;
    }

    private sealed record Pass(float[][] Gradients, float[] InputGradient, float Loss, long ActivationPeak);
}
