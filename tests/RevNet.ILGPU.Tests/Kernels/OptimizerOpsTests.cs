using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// SgdStep and AdamStep against PyTorch's formulas in double, over three steps with fresh gradients each step, so
/// the optimizer state (velocity; m, v and the bias corrections) is exercised, not just the first update.
/// </summary>
public abstract class OptimizerOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    private const int Steps = 3;

    [SkippableTheory]
    [InlineData(1, 0.1f, 0.9f, 0f, false)]
    [InlineData(17, 0.1f, 0.9f, 0.05f, false)]
    [InlineData(17, 0.05f, 0.9f, 1e-2f, true)]
    [InlineData(1025, 0.1f, 0f, 0f, false)]
    [InlineData(1025, 0.01f, 0.5f, 0.1f, true)]
    public void SgdStep_ThreeSteps_MatchesPyTorchFormula(
        int length, float lr, float momentum, float weightDecay, bool nesterov)
    {
        ComputeDevice device = Require();
        float[] w = Random(110, length);
        float[] v = Random(111, length, -0.1f, 0.1f);
        using Tensor tw = Upload(device, w, length);
        using Tensor tv = Upload(device, v, length);
        double[] rw = D(w);
        double[] rv = D(v);
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Random(111 + step, length);
            using Tensor tg = Upload(device, g, length);
            TensorOps.SgdStep(tw, tg, tv, lr, momentum, weightDecay, nesterov);
            OptimizerReference.SgdStep(rw, D(g), rv, lr, momentum, weightDecay, nesterov);
            TensorAssert.BitIdentical(tg.ToArray(), g, "the gradient is read only");
        }

        TensorAssert.Close(tw.ToArray(), rw, Atol, Rtol, "sgd weights");
        TensorAssert.Close(tv.ToArray(), rv, Atol, Rtol, "sgd velocity");
    }

    [SkippableTheory]
    [InlineData(1, 1e-3f, 0f, false)]
    [InlineData(17, 0.1f, 0.5f, false)]
    [InlineData(17, 0.1f, 0.5f, true)]
    [InlineData(1025, 3e-4f, 0.1f, true)]
    [InlineData(1025, 1e-3f, 0f, false)]
    public void AdamStep_ThreeSteps_MatchesPyTorchFormula(int length, float lr, float weightDecay, bool decoupled)
    {
        ComputeDevice device = Require();
        const float Beta1 = 0.9f;
        const float Beta2 = 0.999f;
        const float Eps = 1e-8f;
        float[] w = Random(120, length);
        using Tensor tw = Upload(device, w, length);
        using Tensor tm = Upload(device, new float[length], length);
        using Tensor tv = Upload(device, new float[length], length);
        double[] rw = D(w);
        double[] rm = new double[length];
        double[] rv = new double[length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] g = Random(120 + step, length);
            using Tensor tg = Upload(device, g, length);
            TensorOps.AdamStep(tw, tg, tm, tv, lr, Beta1, Beta2, Eps, weightDecay, decoupled, step);
            OptimizerReference.AdamStep(rw, D(g), rm, rv, lr, Beta1, Beta2, Eps, weightDecay, decoupled, step);
        }

        TensorAssert.Close(tm.ToArray(), rm, Atol, Rtol, "adam m");
        TensorAssert.Close(tv.ToArray(), rv, Atol, Rtol, "adam v");
        TensorAssert.Close(tw.ToArray(), rw, Atol, Rtol, "adam weights");
    }

    [SkippableFact]
    public void AdamStep_LateStep_UsesTheStepCountInBiasCorrection()
    {
        // Starting from non-zero moments at step 50, the bias corrections 1 − β^t differ from step 1's by orders of
        // magnitude: an implementation that ignores `step` or counts internally fails here.
        ComputeDevice device = Require();
        const int Length = 17;
        float[] w = Random(130, Length);
        float[] m = Random(131, Length, -0.1f, 0.1f);
        float[] v = Random(132, Length, 0.001f, 0.01f);
        float[] g = Random(133, Length);
        using Tensor tw = Upload(device, w, Length);
        using Tensor tm = Upload(device, m, Length);
        using Tensor tv = Upload(device, v, Length);
        using Tensor tg = Upload(device, g, Length);
        TensorOps.AdamStep(tw, tg, tm, tv, 1e-2f, 0.9f, 0.999f, 1e-8f, 0f, false, 50);

        double[] rw = D(w);
        double[] rm = D(m);
        double[] rv = D(v);
        OptimizerReference.AdamStep(rw, D(g), rm, rv, 1e-2f, 0.9f, 0.999f, 1e-8f, 0f, false, 50);
        TensorAssert.Close(tw.ToArray(), rw, Atol, Rtol, "adam weights at step 50");
    }

    [SkippableFact]
    public void OptimizerSteps_LargeRaggedLength_MatchReference()
    {
        const int Length = 131075;
        SkipOnSimulatorAbove(Length);
        float[] w = Random(140, Length);
        float[] g = Random(141, Length);
        ComputeDevice device = Require();
        using Tensor tw = Upload(device, w, Length);
        using Tensor tg = Upload(device, g, Length);
        using Tensor tv = Upload(device, new float[Length], Length);
        using Tensor tm = Upload(device, new float[Length], Length);
        using Tensor ts = Upload(device, new float[Length], Length);

        TensorOps.SgdStep(tw, tg, tv, 0.1f, 0.9f, 1e-4f, nesterov: true);
        TensorOps.AdamStep(tw, tg, tm, ts, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, decoupled: true, step: 1);

        double[] rw = D(w);
        OptimizerReference.SgdStep(rw, D(g), new double[Length], 0.1f, 0.9f, 1e-4f, nesterov: true);
        OptimizerReference.AdamStep(
            rw, D(g), new double[Length], new double[Length], 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 1);
        TensorAssert.Close(tw.ToArray(), rw, Atol, Rtol, "sgd then adam");
    }
}
