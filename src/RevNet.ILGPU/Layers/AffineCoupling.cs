using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers;

/// <summary>
/// Affine coupling over the channel halves with a bounded scale:
/// (s₁, t₁) = F(x₂), y₁ = x₁ ⊙ σ(s₁ + 2) + t₁; (s₂, t₂) = G(y₁), y₂ = x₂ ⊙ σ(s₂ + 2) + t₂, where F and G map a half
/// [N, c, H, W] to [N, 2c, H, W] (first c channels: s, last c: t) and σ is the logistic sigmoid, so every scale
/// lies in (0, 1). Inverse: x₂ = (y₂ − t₂) / σ(s₂ + 2), x₁ = (y₁ − t₁) / σ(s₁ + 2).
/// </summary>
/// <remarks>
/// The same contract as <see cref="ReversibleBlock"/>: <see cref="Layer.Backward"/> is the saved path;
/// <see cref="BackwardFromOutput"/> recomputes G once and F once (fused order) and saves nothing. Unlike the additive
/// coupling the inverse is exact only to float rounding. The op set has no elementwise multiply or sigmoid yet, so
/// the coupling arithmetic (not F and G) runs on host copies of the halves: correct on every backend, but a device
/// round trip per unit on GPUs.
/// </remarks>
public sealed class AffineCoupling : Layer, IReversibleLayer
{
    private const float ScaleOffset = 2f;
    private Saved? _saved;

    /// <summary>Creates the coupling; it owns and disposes F and G.</summary>
    /// <param name="f">F: x₂ → (s₁, t₁), doubling the channels of a half.</param>
    /// <param name="g">G: y₁ → (s₂, t₂), doubling the channels of a half.</param>
    /// <param name="name">A name for reports.</param>
    public AffineCoupling(ILayer f, ILayer g, string name = "affine")
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        F = Hold(f);
        G = Hold(g);
    }

    /// <summary>F (on x₂), producing (s₁, t₁).</summary>
    public ILayer F { get; }

    /// <summary>G (on y₁), producing (s₂, t₂).</summary>
    public ILayer G { get; }

    /// <inheritdoc />
    public override Shape GetOutputShape(Shape input)
    {
        LayerKit.RequireHalves(input, nameof(input));
        Shape half = LayerKit.Half(input);
        var doubled = new Shape(half[0], half[1] * 2, half[2], half[3]);
        if (F.GetOutputShape(half) != doubled || G.GetOutputShape(half) != doubled)
        {
            throw new ArgumentException(
                $"F and G must map the half {half} to {doubled}; got F: {F.GetOutputShape(half)}, G: {G.GetOutputShape(half)}.",
                nameof(input));
        }

        return input;
    }

    /// <inheritdoc />
    protected override Tensor OnBackward(Tensor input, Tensor outputGradient)
    {
        Saved saved = _saved!;
        _saved = null;
        try
        {
            Halves dy = Halves.Of(outputGradient);
            (float[] dz1, float[] dx2Direct) = BackwardG(saved.Device, dy, saved.X2, saved.S2, dy.Shape);
            float[] dx1 = BackwardF(saved.Device, dz1, saved.X1, saved.S1, dx2Direct, dy.Shape);
            return dy.Shape.ToTensor(saved.Device, dx1, dx2Direct, MemoryCategory.Workspace);
        }
        finally
        {
            saved.Dispose();
        }
    }

    /// <inheritdoc />
    public Tensor Inverse(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Halves y = Halves.Of(output);
        ComputeDevice device = output.Device;
        (float[] s2, float[] t2) = RunHalf(G, device, y.A, y.Shape, ForwardMode.Inference, keepInput: false, out _);
        float[] x2 = Uncouple(y.B, s2, t2);
        (float[] s1, float[] t1) = RunHalf(F, device, x2, y.Shape, ForwardMode.Inference, keepInput: false, out _);
        float[] x1 = Uncouple(y.A, s1, t1);
        return y.Shape.ToTensor(device, x1, x2, MemoryCategory.Activations);
    }

    /// <inheritdoc />
    public (Tensor Input, Tensor InputGradient) BackwardFromOutput(Tensor output, Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(outputGradient);
        _saved?.Dispose();
        _saved = null;
        Halves y = Halves.Of(output);
        Halves dy = Halves.Of(outputGradient);
        ComputeDevice device = output.Device;

        // Recompute G(y1) once: it rebuilds x2 and back-propagates G.
        (float[] s2, float[] t2) = RunHalf(G, device, y.A, y.Shape, ForwardMode.Recompute, keepInput: true, out Tensor? y1Dev);
        float[] x2 = Uncouple(y.B, s2, t2);
        (float[] dz1, float[] dx2Direct) = BackwardG(device, dy, x2, s2, y.Shape);
        y1Dev!.Dispose();

        // Recompute F(x2) once: it rebuilds x1 and back-propagates F.
        (float[] s1, float[] t1) = RunHalf(F, device, x2, y.Shape, ForwardMode.Recompute, keepInput: true, out Tensor? x2Dev);
        float[] x1 = Uncouple(y.A, s1, t1);
        float[] dx1 = BackwardF(device, dz1, x1, s1, dx2Direct, y.Shape);
        x2Dev!.Dispose();
        return (y.Shape.ToTensor(device, x1, x2, MemoryCategory.Activations),
            y.Shape.ToTensor(device, dx1, dx2Direct, MemoryCategory.Workspace));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _saved?.Dispose();
        _saved = null;
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override Tensor OnForward(Tensor input, ForwardMode mode)
    {
        GetOutputShape(input.Shape);
        _saved?.Dispose();
        _saved = null;
        Halves x = Halves.Of(input);
        ComputeDevice device = input.Device;
        bool keep = mode.KeepsForBackward();
        Tensor? x2Dev = null, y1Dev = null;
        try
        {
            (float[] s1, float[] t1) = RunHalf(F, device, x.B, x.Shape, mode, keep, out x2Dev);
            float[] y1 = Couple(x.A, s1, t1);
            (float[] s2, float[] t2) = RunHalf(G, device, y1, x.Shape, mode, keep, out y1Dev);
            float[] y2 = Couple(x.B, s2, t2);
            if (keep)
            {
                _saved = new Saved(device, x.A, x.B, s1, s2, x2Dev!, y1Dev!);
                (x2Dev, y1Dev) = (null, null);
            }

            return x.Shape.ToTensor(device, y1, y2, MemoryCategory.Activations);
        }
        finally
        {
            x2Dev?.Dispose();
            y1Dev?.Dispose();
        }
    }

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-(v + ScaleOffset)));

    private static float[] Couple(float[] x, float[] s, float[] t)
    {
        float[] y = new float[x.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (x[i] * Sigmoid(s[i])) + t[i];
        }

        return y;
    }

    private static float[] Uncouple(float[] y, float[] s, float[] t)
    {
        float[] x = new float[y.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (y[i] - t[i]) / Sigmoid(s[i]);
        }

        return x;
    }

    /// <summary>Runs F or G on a host half; returns (s, t). With keepInput the device input stays alive (out).</summary>
    private static (float[] S, float[] T) RunHalf(
        ILayer layer, ComputeDevice device, float[] half, HalfShape shape, ForwardMode mode, bool keepInput, out Tensor? input)
    {
        input = device.Pool.Rent(shape.Half, MemoryCategory.Activations);
        input.CopyFrom(half);
        using Tensor st = layer.Forward(input, mode);
        if (!keepInput)
        {
            input.Dispose();
            input = null;
        }

        Halves h = Halves.Of(st);
        return (h.A, h.B);
    }

    /// <summary>Through y2 = x2 ⊙ σ(s2) + t2 and G: returns dL/dy1 in total and the direct part of dL/dx2.</summary>
    private (float[] Dz1, float[] Dx2Direct) BackwardG(ComputeDevice device, Halves dy, float[] x2, float[] s2, HalfShape shape)
    {
        (float[] ds2, float[] dx2) = ScaleBackward(dy.B, x2, s2);
        float[] dz1 = BackThrough(G, device, ds2, dy.B, shape);
        for (int i = 0; i < dz1.Length; i++)
        {
            dz1[i] += dy.A[i];
        }

        return (dz1, dx2);
    }

    /// <summary>Through y1 = x1 ⊙ σ(s1) + t1 and F: returns dL/dx1 and adds F's input gradient to dx2.</summary>
    private float[] BackwardF(ComputeDevice device, float[] dz1, float[] x1, float[] s1, float[] dx2, HalfShape shape)
    {
        (float[] ds1, float[] dx1) = ScaleBackward(dz1, x1, s1);
        float[] dF = BackThrough(F, device, ds1, dz1, shape);
        for (int i = 0; i < dx2.Length; i++)
        {
            dx2[i] += dF[i];
        }

        return dx1;
    }

    /// <summary>For y = x ⊙ σ(s + 2) + t: dL/ds = dy ⊙ x ⊙ σ(1 − σ) and dL/dx = dy ⊙ σ.</summary>
    private static (float[] Ds, float[] Dx) ScaleBackward(float[] dy, float[] x, float[] s)
    {
        float[] ds = new float[dy.Length], dx = new float[dy.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            float a = Sigmoid(s[i]);
            ds[i] = dy[i] * x[i] * a * (1f - a);
            dx[i] = dy[i] * a;
        }

        return (ds, dx);
    }

    /// <summary>Back-propagates (ds, dt) through F or G; returns its input gradient on the host.</summary>
    private static float[] BackThrough(ILayer layer, ComputeDevice device, float[] ds, float[] dt, HalfShape shape)
    {
        using Tensor dst = shape.Doubled.ToTensor(device, ds, dt, MemoryCategory.Workspace);
        using Tensor dIn = layer.Backward(dst);
        return dIn.ToArray();
    }

    /// <summary>The shapes of a whole tensor [N, 2c, H, W], its half and a doubled half.</summary>
    private readonly record struct HalfShape(int N, int C, int H, int W)
    {
        public Shape Half => new(N, C, H, W);

        public HalfShape Doubled => this;

        public Tensor ToTensor(ComputeDevice device, float[] a, float[] b, MemoryCategory category)
        {
            int plane = H * W;
            float[] all = new float[a.Length + b.Length];
            for (int n = 0; n < N; n++)
            {
                Array.Copy(a, n * C * plane, all, n * 2 * C * plane, C * plane);
                Array.Copy(b, n * C * plane, all, ((n * 2) + 1) * C * plane, C * plane);
            }

            Tensor t = device.Pool.Rent(new Shape(N, 2 * C, H, W), category);
            t.CopyFrom(all);
            return t;
        }
    }

    /// <summary>The two channel halves of a tensor, on the host.</summary>
    private readonly record struct Halves(float[] A, float[] B, HalfShape Shape)
    {
        public static Halves Of(Tensor t)
        {
            LayerKit.RequireHalves(t.Shape, nameof(t));
            var shape = new HalfShape(t.Shape[0], t.Shape[1] / 2, t.Shape[2], t.Shape[3]);
            float[] all = t.ToArray();
            int block = shape.C * shape.H * shape.W;
            float[] a = new float[shape.N * block], b = new float[shape.N * block];
            for (int n = 0; n < shape.N; n++)
            {
                Array.Copy(all, 2 * n * block, a, n * block, block);
                Array.Copy(all, ((2 * n) + 1) * block, b, n * block, block);
            }

            return new Halves(a, b, shape);
        }
    }

    /// <summary>What the saved-path backward needs; F and G reference the two device tensors.</summary>
    private sealed class Saved(ComputeDevice device, float[] x1, float[] x2, float[] s1, float[] s2, Tensor x2Dev, Tensor y1Dev)
        : IDisposable
    {
        public ComputeDevice Device => device;

        public float[] X1 => x1;

        public float[] X2 => x2;

        public float[] S1 => s1;

        public float[] S2 => s2;

        public void Dispose()
        {
            x2Dev.Dispose();
            y1Dev.Dispose();
        }
    }
}
