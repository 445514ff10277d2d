using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>LinearForward and LinearBackward (dx overwritten or skipped; dw and db accumulate).</summary>
public abstract class LinearOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableTheory]
    [InlineData(1, 1, 1, false)]
    [InlineData(3, 5, 7, false)]
    [InlineData(2, 17, 3, true)]
    [InlineData(5, 4, 10, true)]
    public void Linear_TinyShape_ForwardAndBackwardMatchReference(
        int n, int inFeatures, int outFeatures, bool input4d) =>
        Check(n, inFeatures, outFeatures, input4d, withDx: true);

    [SkippableFact]
    public void LinearBackward_NullDx_StillAccumulatesDwAndDb() => Check(3, 6, 4, false, withDx: false);

    [SkippableTheory]
    [InlineData(9, 100, 37)]
    [InlineData(64, 256, 10)]
    [InlineData(33, 129, 65)]
    [InlineData(128, 512, 128)]
    [InlineData(200, 700, 197)]
    [InlineData(1, 333, 7)]
    public void Linear_LargeShape_ForwardAndBackwardMatchReference(int n, int inFeatures, int outFeatures)
    {
        SkipOnSimulatorAbove((long)n * inFeatures * outFeatures);
        Check(n, inFeatures, outFeatures, input4d: false, withDx: true);
    }

    [SkippableFact]
    public void LinearBackward_RunTwice_GivesBitIdenticalResults()
    {
        ComputeDevice device = Require();
        (int n, int i, int o) = IsSimulator ? (4, 9, 5) : (64, 130, 70);
        using Tensor x = device.RandomTensor(90, n, i);
        using Tensor w = device.RandomTensor(91, o, i);
        using Tensor dy = device.RandomTensor(92, n, o);
        using Tensor dx = Poisoned(device, n, i);
        using Tensor dw = Poisoned(device, o, i);
        using Tensor db = Poisoned(device, o);

        float[][] Run()
        {
            TensorOps.Fill(dw, 0f);
            TensorOps.Fill(db, 0f);
            TensorOps.LinearBackward(x, w, dy, dx, dw, db);
            return [dx.ToArray(), dw.ToArray(), db.ToArray()];
        }

        float[][] first = Run();
        float[][] second = Run();
        TensorAssert.BitIdentical(second[0], first[0], "dx");
        TensorAssert.BitIdentical(second[1], first[1], "dw");
        TensorAssert.BitIdentical(second[2], first[2], "db");
    }

    private void Check(int n, int inFeatures, int outFeatures, bool input4d, bool withDx)
    {
        ComputeDevice device = Require();
        float[] x = Random(93, (long)n * inFeatures);
        float[] w = Random(94, (long)outFeatures * inFeatures);
        float[] b = Random(95, outFeatures);
        float[] dy = Random(96, (long)n * outFeatures);
        float[] dw0 = Random(97, w.Length);
        float[] db0 = Random(98, b.Length);
        int[] xDims = input4d ? [n, inFeatures, 1, 1] : [n, inFeatures];
        using Tensor tx = Upload(device, x, xDims);
        using Tensor tw = Upload(device, w, outFeatures, inFeatures);
        using Tensor tb = Upload(device, b, outFeatures);
        using Tensor y = Poisoned(device, n, outFeatures);
        using Tensor tdy = Upload(device, dy, n, outFeatures);
        using Tensor? dx = withDx ? Poisoned(device, xDims) : null;
        using Tensor dw = Upload(device, dw0, outFeatures, inFeatures);
        using Tensor db = Upload(device, db0, outFeatures);

        TensorOps.LinearForward(tx, tw, tb, y);
        TensorAssert.Close(
            y.ToArray(), LinearReference.Forward(D(x), D(w), D(b), n, inFeatures, outFeatures),
            ReductionAtol(inFeatures), Rtol, "linear forward");

        TensorOps.LinearBackward(tx, tw, tdy, dx, dw, db);
        double[] rdw = D(dw0);
        double[] rdb = D(db0);
        double[] rdx = LinearReference.Backward(D(x), D(w), D(dy), n, inFeatures, outFeatures, rdw, rdb);
        if (dx is not null)
        {
            TensorAssert.Close(dx.ToArray(), rdx, ReductionAtol(outFeatures), Rtol, "linear dx (overwritten)");
        }

        TensorAssert.Close(dw.ToArray(), rdw, ReductionAtol(n), Rtol, "linear dw (accumulated)");
        TensorAssert.Close(db.ToArray(), rdb, ReductionAtol(n), Rtol, "linear db (accumulated)");
    }
}
