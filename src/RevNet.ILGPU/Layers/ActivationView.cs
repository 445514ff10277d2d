using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// A read-only look at a value inside a graph, handed to an <see cref="IGraphObserver"/>: one tensor, or the two
/// channel halves that a run of couplings exchanges. Valid only during the callback.
/// </summary>
public readonly struct ActivationView
{
    private readonly Tensor? _single;
    private readonly Tensor? _a;
    private readonly Tensor? _b;

    internal ActivationView(Tensor? single, Tensor? a, Tensor? b)
    {
        _single = single;
        _a = a;
        _b = b;
    }

    /// <summary>Whether there is nothing to look at.</summary>
    public bool IsEmpty => _single is null && _a is null;

    /// <summary>The shape of the whole value ([N, C, H, W] with C = both halves for a pair).</summary>
    public Shape Shape => _single?.Shape ?? (_a is null ? default : LayerKit.Doubled(_a.Shape));

    /// <summary>Copies the value to the host in NCHW order (halves put back in channel order). Waits for the device.</summary>
    /// <returns>The values.</returns>
    /// <exception cref="InvalidOperationException">The view is empty.</exception>
    public float[] ToArray()
    {
        if (_single is not null)
        {
            return _single.ToArray();
        }

        if (_a is null || _b is null)
        {
            throw new InvalidOperationException("The view is empty.");
        }

        float[] a = _a.ToArray();
        float[] b = _b.ToArray();
        int n = _a.Shape[0];
        int block = a.Length / n;
        float[] all = new float[a.Length + b.Length];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(a, i * block, all, 2 * i * block, block);
            Array.Copy(b, i * block, all, ((2 * i) + 1) * block, block);
        }

        return all;
    }
}
