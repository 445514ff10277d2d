using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>
/// A test-only classifier: flatten → linear → ReLU → linear, plus a non-trainable buffer (so checkpoints carry one).
/// <see cref="PoisonAtForward"/> makes a chosen forward pass return NaN logits, to test fault handling.
/// </summary>
public sealed class TinyMlp : ILayer
{
    private readonly ComputeDevice _device;
    private readonly Parameter _w1;
    private readonly Parameter _b1;
    private readonly Parameter _w2;
    private readonly Parameter _b2;
    private readonly Parameter _scale;
    private Tensor? _x;
    private Tensor? _h;
    private int _forwards;

    public TinyMlp(ComputeDevice device, int inputs, int hidden, int classes, int seed)
    {
        _device = device;
        var rng = new DeterministicRandom((ulong)seed);
        _w1 = Init(device, "fc1.weight", new Shape(hidden, inputs), rng, 1f / MathF.Sqrt(inputs));
        _b1 = Init(device, "fc1.bias", new Shape(hidden), rng, 0.01f);
        _w2 = Init(device, "fc2.weight", new Shape(classes, hidden), rng, 1f / MathF.Sqrt(hidden));
        _b2 = Init(device, "fc2.bias", new Shape(classes), rng, 0.01f);
        _scale = new Parameter(device, "stats.seen", new Shape(2), trainable: false);
        _scale.Value.CopyFrom([(float)seed, 0f]);
        Parameters = [_w1, _b1, _w2, _b2];
        Buffers = [_scale];
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    public IReadOnlyList<Parameter> Buffers { get; }

    /// <summary>The 1-based forward call that returns NaN logits (0: never).</summary>
    public int PoisonAtForward { get; set; }

    /// <summary>The 1-based backward call after which fc1's weight gradient holds an infinity (0: never).</summary>
    public int PoisonGradientAtBackward { get; set; }

    private int Backwards { get; set; }

    public Shape GetOutputShape(Shape input) => new(input[0], _w2.Shape[0]);

    public Tensor Forward(Tensor input, ForwardMode mode)
    {
        _forwards++;
        int n = input.Shape[0];
        _x?.Dispose();
        _h?.Dispose();
        _x = _device.Pool.Rent(new Shape(n, _w1.Shape[1]), MemoryCategory.Activations);
        TensorOps.Copy(input, _x);
        _h = _device.Pool.Rent(new Shape(n, _w1.Shape[0]), MemoryCategory.Activations);
        TensorOps.LinearForward(_x, _w1.Value, _b1.Value, _h);
        TensorOps.ReluForward(_h, _h);
        Tensor y = _device.Pool.Rent(new Shape(n, _w2.Shape[0]), MemoryCategory.Activations);
        TensorOps.LinearForward(_h, _w2.Value, _b2.Value, y);
        if (mode.UpdatesStatistics())
        {
            // A buffer that changes in training mode, like BN running statistics: counts images seen.
            float[] s = _scale.Value.ToArray();
            s[1] += n;
            _scale.Value.CopyFrom(s);
        }

        if (_forwards == PoisonAtForward)
        {
            TensorOps.Fill(y, float.NaN);
        }

        return y;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        if (_x is null || _h is null)
        {
            throw new InvalidOperationException("Backward before Forward.");
        }

        using Tensor dh = _device.Pool.Rent(_h.Shape, MemoryCategory.Workspace);
        TensorOps.LinearBackward(_h, _w2.Value, outputGradient, dh, _w2.Gradient!, _b2.Gradient!);
        TensorOps.ReluBackward(_h, dh, dh);
        Tensor dx = _device.Pool.Rent(_x.Shape, MemoryCategory.Workspace);
        TensorOps.LinearBackward(_x, _w1.Value, dh, dx, _w1.Gradient!, _b1.Gradient!);
        if (++Backwards == PoisonGradientAtBackward)
        {
            float[] g = _w1.Gradient!.ToArray();
            g[3] = float.PositiveInfinity;
            _w1.Gradient.CopyFrom(g);
        }

        return dx;
    }

    public void Dispose()
    {
        _x?.Dispose();
        _h?.Dispose();
        _w1.Dispose();
        _b1.Dispose();
        _w2.Dispose();
        _b2.Dispose();
        _scale.Dispose();
    }

    private static Parameter Init(ComputeDevice device, string name, Shape shape, DeterministicRandom rng, float bound)
    {
        var p = new Parameter(device, name, shape);
        float[] v = new float[shape.ElementCount];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = ((2f * rng.NextSingle()) - 1f) * bound;
        }

        p.Value.CopyFrom(v);
        return p;
    }
}
