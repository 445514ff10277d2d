using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using static RevNet.ILGPU.Onnx.OnnxGraphBuilder;

namespace RevNet.ILGPU.Onnx;

/// <summary>
/// Writes the eval-mode (<see cref="ForwardMode.Inference"/>) computation of library layers as ONNX nodes, following
/// the library's forward exactly: a <see cref="Sequential"/> is walked over its planned (flattened) layers, a run of
/// couplings is split once and concatenated once, and in <see cref="CouplingArithmetic.Exact"/> the same values are
/// rounded to the 2^-15 grid with the same float operations (fl(fl(v + C) − C), C = 384).
/// </summary>
internal sealed class LayerEmitter(OnnxGraphBuilder g, OnnxExportOptions options)
{
    /// <summary>The grid rounding constant 1.5 · 2^23 · 2^-15 (see CouplingArithmetic.Exact).</summary>
    private const float GridMagic = 1.5f * 8388608f * Coupling.GridStep;

    private const float AffineScaleOffset = 2f;

    public OnnxValue Emit(ILayer layer, OnnxValue x, string parent)
    {
        string path = parent.Length == 0 ? layer.Name : parent + "/" + layer.Name;
        Shape expected = layer.GetOutputShape(x.Shape);
        OnnxValue y = layer switch
        {
            Model m => Emit(m.Network, x, parent),
            Sequential s => Chain(s.PlannedLayers, x, path),
            Recomputed r => Emit(r.Inner, x, path),
            Conv2d c => Conv(c, null, x),
            BatchNorm2d bn => BatchNorm(bn, x),
            Relu => Single("Relu", layer.Name, x, x.Shape),
            GlobalAvgPool => GlobalAveragePool(layer.Name, x, expected),
            Linear l => Gemm(l, x),
            PoolPadShortcut p => PoolPad(p, x),
            ResidualUnit u => Residual(u, x, path),
            ReversibleBlock or CouplingTransition => WholeCoupling((Coupling)layer, x, path),
            AffineCoupling a => Affine(a, x, path),
            _ => throw Unsupported(layer, path),
        };

        if (y.Shape != expected)
        {
            throw new InvalidOperationException(
                $"Internal error exporting '{path}': the ONNX value has shape {y.Shape}, the layer gives {expected}.");
        }

        return y;
    }

    private static OnnxExportException Unsupported(ILayer layer, string path)
    {
        string what = layer is Coupling
            ? "a user coupling has no ONNX form (its arithmetic is code, not a graph)"
            : "it is not one of the library layers with an ONNX form";
        return new OnnxExportException(
            path,
            layer.GetType(),
            $"{what}. Supported: Sequential, Model, Recomputed, Conv2d, BatchNorm2d, Relu, GlobalAvgPool, Linear, "
            + "PoolPadShortcut, ResidualUnit, ReversibleBlock, CouplingTransition, AffineCoupling. Build the layer from "
            + "these, or keep the model in .NET.");
    }

    /// <summary>A chain as <see cref="Sequential"/> runs it: couplings exchange halves directly.</summary>
    private OnnxValue Chain(IReadOnlyList<ILayer> layers, OnnxValue x, string path)
    {
        OnnxValue single = x;
        (OnnxValue A, OnnxValue B)? pair = null;
        for (int i = 0; i < layers.Count; i++)
        {
            ILayer layer = layers[i];
            string layerPath = path + "/" + layer.Name;
            if (layer is ReversibleBlock or CouplingTransition)
            {
                var coupling = (Coupling)layer;
                if (pair is null)
                {
                    coupling.GetOutputShape(single.Shape);
                    pair = StartRun(coupling, single);
                }

                pair = Pair(coupling, pair.Value.A, pair.Value.B, layerPath);
                continue;
            }

            if (layer is Coupling)
            {
                throw Unsupported(layer, layerPath);
            }

            if (pair is (OnnxValue a, OnnxValue b))
            {
                single = Concat(a, b, layer.Name);
                pair = null;
            }

            if (options.FoldBatchNorm && layer is Conv2d conv && i + 1 < layers.Count
                && layers[i + 1] is BatchNorm2d bn && bn.Channels == conv.OutChannels)
            {
                Shape afterConv = conv.GetOutputShape(single.Shape);
                single = Conv(conv, bn, single);
                if (bn.GetOutputShape(afterConv) != single.Shape)
                {
                    throw new InvalidOperationException($"Internal error folding '{layerPath}'.");
                }

                i++;
                continue;
            }

            single = Emit(layer, single, path);
        }

        return pair is (OnnxValue y1, OnnxValue y2) ? Concat(y1, y2, "run_end") : single;
    }

    /// <summary>A coupling given the whole tensor: split, start the run, couple, concatenate.</summary>
    private OnnxValue WholeCoupling(Coupling coupling, OnnxValue x, string path)
    {
        (OnnxValue a, OnnxValue b) = StartRun(coupling, x);
        (OnnxValue y1, OnnxValue y2) = Pair(coupling, a, b, path);
        return Concat(y1, y2, coupling.Name);
    }

    /// <summary>Splits a run's input; an exact invertible coupling puts the halves on the grid (PrepareRunInput).</summary>
    private (OnnxValue A, OnnxValue B) StartRun(Coupling coupling, OnnxValue x)
    {
        (OnnxValue a, OnnxValue b) = Split(x, coupling.Name);
        if (coupling is InvertibleCoupling && coupling.Arithmetic == CouplingArithmetic.Exact)
        {
            a = Round(a, coupling.Name);
            b = Round(b, coupling.Name);
        }

        return (a, b);
    }

    private (OnnxValue Y1, OnnxValue Y2) Pair(Coupling coupling, OnnxValue x1, OnnxValue x2, string path)
    {
        bool exact = coupling.Arithmetic == CouplingArithmetic.Exact;
        string name = coupling.Name;
        if (coupling is ReversibleBlock)
        {
            // y1 = x1 + ⌊F(x2)⌉, y2 = x2 + ⌊G(y1)⌉
            OnnxValue f = Emit(coupling.F, x2, path);
            OnnxValue y1 = Binary("Add", name, x1, exact ? Round(f, name) : f);
            OnnxValue gv = Emit(coupling.G, y1, path);
            OnnxValue y2 = Binary("Add", name, x2, exact ? Round(gv, name) : gv);
            return (y1, y2);
        }

        // CouplingTransition: y1 = ⌊F(x2) + s1(x1)⌉, y2 = ⌊G(y1) + s2(x2)⌉
        var t = (CouplingTransition)coupling;
        OnnxValue fx = Emit(t.F, x2, path);
        OnnxValue s1 = t.Shortcut1 is null ? x1 : Emit(t.Shortcut1, x1, path);
        OnnxValue z1 = Binary("Add", name, fx, s1);
        OnnxValue t1 = exact ? Round(z1, name) : z1;
        OnnxValue gx = Emit(t.G, t1, path);
        OnnxValue s2 = t.Shortcut2 is null ? x2 : Emit(t.Shortcut2, x2, path);
        OnnxValue z2 = Binary("Add", name, gx, s2);
        return (t1, exact ? Round(z2, name) : z2);
    }

    /// <summary>y1 = x1 ⊙ σ(s1 + 2) + t1 with (s1, t1) = F(x2); y2 = x2 ⊙ σ(s2 + 2) + t2 with (s2, t2) = G(y1).</summary>
    private OnnxValue Affine(AffineCoupling a, OnnxValue x, string path)
    {
        (OnnxValue x1, OnnxValue x2) = Split(x, a.Name);
        OnnxValue y1 = AffineHalf(a.F, x1, x2, a.Name, path);
        OnnxValue y2 = AffineHalf(a.G, x2, y1, a.Name, path);
        return Concat(y1, y2, a.Name);
    }

    private OnnxValue AffineHalf(ILayer branch, OnnxValue x, OnnxValue input, string name, string path)
    {
        OnnxValue st = Emit(branch, input, path);
        (OnnxValue s, OnnxValue t) = Split(st, name);
        OnnxValue shifted = new(g.Node("Add", name, [s.Name, g.Scalar(AffineScaleOffset)])[0], s.Shape);
        OnnxValue scale = Single("Sigmoid", name, shifted, s.Shape);
        OnnxValue scaled = Binary("Mul", name, x, scale);
        return Binary("Add", name, scaled, t);
    }

    private OnnxValue Residual(ResidualUnit u, OnnxValue x, string path)
    {
        OnnxValue f = Emit(u.F, x, path);
        OnnxValue s = u.Shortcut is null ? x : Emit(u.Shortcut, x, path);
        return Binary("Add", u.Name, f, s);
    }

    private OnnxValue Conv(Conv2d c, BatchNorm2d? bn, OnnxValue x)
    {
        Shape outShape = c.GetOutputShape(x.Shape);
        float[] w = c.Weight.Value.ToArray();
        int k = c.OutChannels;
        int per = w.Length / k;
        var inputs = new List<string> { x.Name };
        string stem = bn is null ? c.Name : c.Name + "+" + bn.Name;
        if (bn is not null)
        {
            // Fold y = γ·(conv(x) − μ)/√(σ² + ε) + β into the convolution: W' = W·γ/√(σ² + ε), b = β − μ·γ/√(σ² + ε).
            float[] gamma = bn.Gamma.Value.ToArray();
            float[] beta = bn.Beta.Value.ToArray();
            float[] mean = bn.RunningMean.Value.ToArray();
            float[] variance = bn.RunningVar.Value.ToArray();
            float[] bias = new float[k];
            for (int o = 0; o < k; o++)
            {
                double invStd = 1.0 / Math.Sqrt((double)variance[o] + bn.Eps);
                double scale = gamma[o] * invStd;
                for (int j = 0; j < per; j++)
                {
                    w[(o * per) + j] = (float)(w[(o * per) + j] * scale);
                }

                bias[o] = (float)(beta[o] - (mean[o] * scale));
            }

            inputs.Add(g.Initializer(c.Name + ".weight", w, k, c.InChannels, c.KernelSize, c.KernelSize));
            inputs.Add(g.Initializer(bn.Name + ".folded_bias", bias, k));
        }
        else
        {
            inputs.Add(g.Initializer(c.Name + ".weight", w, k, c.InChannels, c.KernelSize, c.KernelSize));
        }

        string y = g.Node(
            "Conv",
            stem,
            inputs,
            1,
            Ints("kernel_shape", c.KernelSize, c.KernelSize),
            Ints("strides", c.Stride, c.Stride),
            Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding),
            Ints("dilations", 1, 1),
            Int("group", 1))[0];
        var result = new OnnxValue(y, outShape);
        return bn is { Relu: true } ? Single("Relu", bn.Name, result, outShape) : result;
    }

    private OnnxValue BatchNorm(BatchNorm2d bn, OnnxValue x)
    {
        string[] inputs =
        [
            x.Name,
            g.Initializer(bn.Name + ".weight", bn.Gamma.Value.ToArray(), bn.Channels),
            g.Initializer(bn.Name + ".bias", bn.Beta.Value.ToArray(), bn.Channels),
            g.Initializer(bn.Name + ".running_mean", bn.RunningMean.Value.ToArray(), bn.Channels),
            g.Initializer(bn.Name + ".running_var", bn.RunningVar.Value.ToArray(), bn.Channels),
        ];
        var y = new OnnxValue(g.Node("BatchNormalization", bn.Name, inputs, 1, Float("epsilon", bn.Eps))[0], x.Shape);
        return bn.Relu ? Single("Relu", bn.Name, y, x.Shape) : y;
    }

    private OnnxValue GlobalAveragePool(string name, OnnxValue x, Shape output)
    {
        string pooled = g.Node("GlobalAveragePool", name, [x.Name])[0];
        return new OnnxValue(g.Node("Flatten", name, [pooled], 1, Int("axis", 1))[0], output);
    }

    private OnnxValue Gemm(Linear l, OnnxValue x)
    {
        string input = x.Name;
        if (x.Shape.Rank != 2)
        {
            input = g.Node("Flatten", l.Name, [x.Name], 1, Int("axis", 1))[0];
        }

        string[] inputs =
        [
            input,
            g.Initializer(l.Name + ".weight", l.Weight.Value.ToArray(), l.OutFeatures, l.InFeatures),
            g.Initializer(l.Name + ".bias", l.Bias.Value.ToArray(), l.OutFeatures),
        ];
        string y = g.Node("Gemm", l.Name, inputs, 1, Int("transB", 1))[0];
        return new OnnxValue(y, new Shape(x.Shape[0], l.OutFeatures));
    }

    private OnnxValue PoolPad(PoolPadShortcut p, OnnxValue x)
    {
        Shape outShape = p.GetOutputShape(x.Shape);
        string v = x.Name;
        if (p.Stride == 2)
        {
            v = g.Node("AveragePool", p.Name, [v], 1, Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))[0];
        }

        int before = (p.OutChannels - p.InChannels) / 2;
        if (before > 0)
        {
            string pads = g.Int64Constant(0, before, 0, 0, 0, before, 0, 0);
            v = g.Node("Pad", p.Name, [v, pads])[0];
        }

        return new OnnxValue(v, outShape);
    }

    private (OnnxValue A, OnnxValue B) Split(OnnxValue x, string name)
    {
        int half = x.Shape[1] / 2;
        string[] outs = g.Node("Split", name, [x.Name, g.Int64Constant(half, half)], 2, Int("axis", 1));
        var shape = new Shape(x.Shape[0], half, x.Shape[2], x.Shape[3]);
        return (new OnnxValue(outs[0], shape), new OnnxValue(outs[1], shape));
    }

    private OnnxValue Concat(OnnxValue a, OnnxValue b, string name)
    {
        var shape = new Shape(a.Shape[0], a.Shape[1] + b.Shape[1], a.Shape[2], a.Shape[3]);
        return new OnnxValue(g.Node("Concat", name, [a.Name, b.Name], 1, Int("axis", 1))[0], shape);
    }

    /// <summary>fl(fl(v + C) − C): v rounded to the 2^-15 grid exactly as the library's exact coupling arithmetic.</summary>
    private OnnxValue Round(OnnxValue v, string name)
    {
        string c = g.Scalar(GridMagic);
        string shifted = g.Node("Add", name + ".grid", [v.Name, c])[0];
        return new OnnxValue(g.Node("Sub", name + ".grid", [shifted, c])[0], v.Shape);
    }

    private OnnxValue Binary(string op, string name, OnnxValue a, OnnxValue b) =>
        new(g.Node(op, name, [a.Name, b.Name])[0], a.Shape);

    private OnnxValue Single(string op, string name, OnnxValue x, Shape shape) => new(g.Node(op, name, [x.Name])[0], shape);
}
