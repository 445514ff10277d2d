using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.DeviceCheck;

/// <summary>One op compared between the checked device and Host.</summary>
/// <param name="Name">The op (and which of its outputs).</param>
/// <param name="Shape">The problem size.</param>
/// <param name="MaxRelativeError">max |device − host| / max |host| over the output.</param>
internal sealed record OpResult(string Name, string Shape, double MaxRelativeError)
{
    /// <summary>The agreement required: float32 sums in different orders stay well inside it.</summary>
    public const double Tolerance = 1e-4;

    public bool Ok => MaxRelativeError <= Tolerance;
}

/// <summary>Runs every op family on the checked device and on Host with the same inputs and compares outputs.</summary>
internal static class OpComparison
{
    public static List<OpResult> Run(ComputeDevice device, ComputeDevice host, bool small)
    {
        var results = new List<OpResult>();
        foreach ((string name, string shape, string[] outputs, Func<TensorScope, Tensor[]> run) in Cases(small))
        {
            float[][] actual = Outputs(device, run);
            float[][] expected = Outputs(host, run);
            for (int i = 0; i < outputs.Length; i++)
            {
                results.Add(new OpResult($"{name} {outputs[i]}", shape, MaxRelativeError(actual[i], expected[i])));
            }
        }

        return results;
    }

    private static float[][] Outputs(ComputeDevice device, Func<TensorScope, Tensor[]> run)
    {
        using var scope = new TensorScope(device);
        return [.. run(scope).Select(t => t.ToArray())];
    }

    private static double MaxRelativeError(float[] actual, float[] expected)
    {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }

        return double.IsNaN(diff) ? double.PositiveInfinity : diff / Math.Max(scale, 1e-30);
    }

    private static IEnumerable<(string Name, string Shape, string[] Outputs, Func<TensorScope, Tensor[]> Run)> Cases(
        bool small)
    {
        (int n, int inF, int outF) = small ? (3, 67, 10) : (128, 1024, 512);
        yield return ("linear", $"[{n}, {inF}] -> {outF}", ["y", "dx", "dw", "db"], s => Linear(s, n, inF, outF));

        int b = small ? 2 : 16;
        int hw = small ? 8 : 32;
        int c = small ? 3 : 32;
        foreach (Conv2dGeometry g in (Conv2dGeometry[])[
            Conv2dGeometry.Create(b, c, hw, hw, c, 3, 1, 1),
            Conv2dGeometry.Create(b, c, hw, hw, 2 * c, 3, 2, 1),
            Conv2dGeometry.Create(b, 2 * c, hw / 2, hw / 2, 4 * c, 1, 1, 0)])
        {
            yield return ($"conv{g.R}x{g.S}/s{g.StrideH}", g.ToString(), ["y", "dx", "dw"], s => Conv(s, g));
        }

        yield return ("batchnorm+relu", $"[{b}, {c}, {hw}, {hw}]", ["mean", "invStd", "y", "dx", "dgamma", "dbeta"],
            s => BatchNorm(s, b, c, hw));
        yield return ("relu", $"[{b}, {c}, {hw}, {hw}]", ["y", "dx"], s => Relu(s, b, c, hw));
        yield return ("avgpool2x2", $"[{b}, {c}, {hw}, {hw}]", ["y", "dx"], s => AvgPool(s, b, c, hw));
        yield return ("globalavgpool", $"[{b}, {c}, {hw}, {hw}]", ["y", "dx"], s => GlobalPool(s, b, c, hw));
        yield return ("softmax-ce", $"[{n}, {outF}]", ["dlogits", "loss"], s => SoftmaxCrossEntropy(s, n, outF));
        yield return ("sgd", $"[{outF}, {inF}]", ["w", "velocity"], s => Sgd(s, outF, inF));
    }

    private static Tensor[] Linear(TensorScope s, int n, int inF, int outF)
    {
        Tensor x = s.Random(1, n, inF);
        Tensor w = s.Random(2, outF, inF);
        Tensor bias = s.Random(3, outF);
        Tensor dy = s.Random(4, n, outF);
        Tensor y = s.Zeros(n, outF);
        Tensor dx = s.Zeros(n, inF);
        Tensor dw = s.Zeros(outF, inF);
        Tensor db = s.Zeros(outF);
        TensorOps.LinearForward(x, w, bias, y);
        TensorOps.LinearBackward(x, w, dy, dx, dw, db);
        return [y, dx, dw, db];
    }

    private static Tensor[] Conv(TensorScope s, Conv2dGeometry g)
    {
        Tensor x = s.Random(11, g.N, g.C, g.H, g.W);
        Tensor w = s.Random(12, g.K, g.C, g.R, g.S);
        Tensor dy = s.Random(13, g.N, g.K, g.P, g.Q);
        Tensor y = s.Zeros(g.N, g.K, g.P, g.Q);
        Tensor dx = s.Zeros(g.N, g.C, g.H, g.W);
        Tensor dw = s.Zeros(g.K, g.C, g.R, g.S);
        TensorOps.Conv2dForward(x, w, y, g);
        TensorOps.Conv2dBackwardInput(dy, w, dx, g);
        TensorOps.Conv2dBackwardWeight(x, dy, dw, g);
        return [y, dx, dw];
    }

    private static Tensor[] BatchNorm(TensorScope s, int n, int c, int hw)
    {
        Tensor x = s.Random(21, n, c, hw, hw);
        Tensor gamma = s.Random(22, c);
        Tensor beta = s.Random(23, c);
        Tensor dy = s.Random(24, n, c, hw, hw);
        Tensor mean = s.Zeros(c);
        Tensor invStd = s.Zeros(c);
        Tensor y = s.Zeros(n, c, hw, hw);
        Tensor dx = s.Zeros(n, c, hw, hw);
        Tensor dgamma = s.Zeros(c);
        Tensor dbeta = s.Zeros(c);
        TensorOps.BatchNormStatistics(x, mean, invStd, 1e-5f);
        TensorOps.BatchNormApply(x, mean, invStd, gamma, beta, y, relu: true);
        TensorOps.BatchNormBackward(x, dy, mean, invStd, gamma, dx, dgamma, dbeta);
        return [mean, invStd, y, dx, dgamma, dbeta];
    }

    private static Tensor[] Relu(TensorScope s, int n, int c, int hw)
    {
        Tensor x = s.Random(31, n, c, hw, hw);
        Tensor dy = s.Random(32, n, c, hw, hw);
        Tensor y = s.Zeros(n, c, hw, hw);
        Tensor dx = s.Zeros(n, c, hw, hw);
        TensorOps.ReluForward(x, y);
        TensorOps.ReluBackward(y, dy, dx);
        return [y, dx];
    }

    private static Tensor[] AvgPool(TensorScope s, int n, int c, int hw)
    {
        Tensor x = s.Random(41, n, c, hw, hw);
        Tensor dy = s.Random(42, n, c, hw / 2, hw / 2);
        Tensor y = s.Zeros(n, c, hw / 2, hw / 2);
        Tensor dx = s.Zeros(n, c, hw, hw);
        TensorOps.AvgPool2x2Forward(x, y);
        TensorOps.AvgPool2x2Backward(dy, dx);
        return [y, dx];
    }

    private static Tensor[] GlobalPool(TensorScope s, int n, int c, int hw)
    {
        Tensor x = s.Random(51, n, c, hw, hw);
        Tensor dy = s.Random(52, n, c);
        Tensor y = s.Zeros(n, c);
        Tensor dx = s.Zeros(n, c, hw, hw);
        TensorOps.GlobalAvgPoolForward(x, y);
        TensorOps.GlobalAvgPoolBackward(dy, dx);
        return [y, dx];
    }

    private static Tensor[] SoftmaxCrossEntropy(TensorScope s, int n, int classes)
    {
        Tensor logits = s.Random(61, n, classes);
        Tensor dlogits = s.Zeros(n, classes);
        int[] labels = [.. Enumerable.Range(0, n).Select(i => (i * 7) % classes)];
        float loss = TensorOps.SoftmaxCrossEntropy(logits, labels, dlogits);
        Tensor lossTensor = s.Zeros(1);
        lossTensor.CopyFrom([loss]);
        return [dlogits, lossTensor];
    }

    private static Tensor[] Sgd(TensorScope s, int rows, int cols)
    {
        Tensor w = s.Random(71, rows, cols);
        Tensor g = s.Random(72, rows, cols);
        Tensor velocity = s.Random(73, rows, cols);
        TensorOps.SgdStep(w, g, velocity, 0.1f, 0.9f, 5e-4f, nesterov: false);
        return [w, velocity];
    }
}
