using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Makes additive couplings exactly invertible in float32 (fixed-point coupling, as in MacKay et al., 2018):
/// the outputs of F and G are rounded to multiples of <see cref="Step"/> = 2^-15, so while the activations of a
/// run stay on that grid and below 2^9 in magnitude, y = x + F(x₂) and x = y − F(x₂) are exact float operations.
/// With batch-norm reusing its saved statistics, a recompute sees bit-identical inputs, so the rebuilt activations
/// and the Reconstruct-mode gradients are bit-identical to Store mode. Larger values degrade gracefully to ordinary
/// float rounding. Gradients pass the rounding unchanged (straight-through).
/// </summary>
/// <remarks>
/// Rounding uses the magic-number trick fl(fl(v + C) − C), C = 1.5·2^23·Step, run by
/// <see cref="TensorOps.BatchNormApply"/> with constant per-channel tensors (mean 0, inverse std 1, gamma 1,
/// beta ±C), so it works on every backend through the public ops.
/// </remarks>
internal sealed class CouplingGrid : IDisposable
{
    /// <summary>The grid step 2^-15.</summary>
    public const float Step = 1f / 32768f;

    private const float Magic = 1.5f * 8388608f * Step;

    private readonly Dictionary<int, Tensor[]> _constants = [];

    /// <summary>Rounds t [N, C, H, W] to the grid in place.</summary>
    public void Snap(Tensor t)
    {
        ComputeDevice device = t.Device;
        Tensor[] k = Constants(device, t.Shape[1]);
        using Tensor shifted = LayerKit.Workspace(device, t.Shape);
        TensorOps.BatchNormApply(t, k[0], k[1], k[1], k[2], shifted, relu: false);
        TensorOps.BatchNormApply(shifted, k[0], k[1], k[1], k[3], t, relu: false);
    }

    /// <summary>Rounds both halves.</summary>
    public void Snap(Tensor a, Tensor b)
    {
        Snap(a);
        Snap(b);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor[] set in _constants.Values)
        {
            Array.ForEach(set, t => t.Dispose());
        }

        _constants.Clear();
    }

    private Tensor[] Constants(ComputeDevice device, int channels)
    {
        if (_constants.TryGetValue(channels, out Tensor[]? set) && !set[0].IsDisposed && set[0].Device == device)
        {
            return set;
        }

        var shape = new Shape(channels);
        set = [.. new[] { 0f, 1f, Magic, -Magic }.Select(v =>
        {
            Tensor c = device.Pool.Rent(shape, MemoryCategory.Parameters);
            TensorOps.Fill(c, v);
            return c;
        })];
        _constants[channels] = set;
        return set;
    }
}
