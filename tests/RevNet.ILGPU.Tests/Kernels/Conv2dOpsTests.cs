using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// Conv2dForward, BackwardInput (overwrites dx) and BackwardWeight (accumulates into dw) against the double direct
/// convolution: batch 1, odd channel counts, non-square images, stride 1/2, pad 0/1, kernels 1x1, 3x3 and 1x3.
/// </summary>
public abstract class Conv2dOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    // n, c, h, w, k, r, s, strideH, strideW, padH, padW. Small: these also run on the ILGPU CPU simulator.
    public static IEnumerable<object[]> SmallCases =>
    [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        [2, 3, 5, 7, 4, 3, 3, 1, 1, 1, 1],
        [1, 3, 5, 7, 2, 3, 3, 2, 2, 1, 1],
        [2, 5, 6, 6, 3, 1, 1, 2, 2, 0, 0],
        [1, 2, 4, 4, 3, 3, 3, 1, 1, 0, 0],
        [3, 1, 7, 5, 1, 3, 3, 2, 2, 0, 0],
        [1, 2, 5, 6, 3, 1, 3, 1, 2, 0, 1],
        [1, 17, 3, 3, 5, 3, 3, 1, 1, 1, 1],
        [2, 4, 1, 1, 3, 3, 3, 1, 1, 1, 1],

        // N·P·Q ≥ 512: the ILGPU backend splits the weight gradient into batch chunks (2, then 3 of uneven size).
        [4, 2, 12, 12, 3, 3, 3, 1, 1, 1, 1],
        [5, 1, 16, 13, 2, 3, 3, 1, 1, 0, 0],
    ];

    // Larger shapes that cross vector widths, register blocks, the Host GEMM's Kc = 320 / Mc = 192 cache blocks and
    // its parallel threshold. The simulator runs only those up to SimulatorWorkLimit multiply-adds.
    public static IEnumerable<object[]> LargeCases =>
    [
        [4, 19, 9, 11, 33, 3, 3, 1, 1, 1, 1],
        [2, 32, 16, 16, 48, 3, 3, 2, 2, 1, 1],
        [3, 64, 15, 13, 32, 1, 1, 1, 1, 0, 0],
        [2, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1],
        [1, 3, 28, 28, 16, 3, 3, 1, 1, 1, 1],
        [8, 16, 8, 8, 32, 1, 1, 2, 2, 0, 0],
        [1, 48, 9, 9, 200, 3, 3, 1, 1, 1, 1],
    ];

    [SkippableTheory]
    [MemberData(nameof(SmallCases), MemberType = typeof(Conv2dOpsTests))]
    public void Conv2dForward_SmallGeometry_MatchesReference(
        int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) =>
        CheckForward(new Conv2dGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW));

    [SkippableTheory]
    [MemberData(nameof(SmallCases), MemberType = typeof(Conv2dOpsTests))]
    public void Conv2dBackwardInput_SmallGeometry_OverwritesDxAndMatchesReference(
        int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) =>
        CheckBackwardInput(new Conv2dGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW));

    [SkippableTheory]
    [MemberData(nameof(SmallCases), MemberType = typeof(Conv2dOpsTests))]
    public void Conv2dBackwardWeight_SmallGeometry_AccumulatesAndMatchesReference(
        int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) =>
        CheckBackwardWeight(new Conv2dGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW));

    [SkippableTheory]
    [MemberData(nameof(LargeCases), MemberType = typeof(Conv2dOpsTests))]
    public void Conv2dAllPasses_LargeGeometry_MatchReference(
        int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW)
    {
        var g = new Conv2dGeometry(n, c, h, w, k, r, s, strideH, strideW, padH, padW);
        SkipOnSimulatorAbove((long)(g.ForwardFlops / 2));
        CheckForward(g);
        CheckBackwardInput(g);
        CheckBackwardWeight(g);
    }

    [SkippableFact]
    public void Conv2dAllPasses_RunTwice_GiveBitIdenticalResults()
    {
        ComputeDevice device = Require();
        // On the simulator N·P·Q = 576 still takes the ILGPU backend's chunked weight-gradient path.
        Conv2dGeometry g = IsSimulator
            ? Conv2dGeometry.Create(4, 2, 12, 12, 3, 3, 1, 1)
            : Conv2dGeometry.Create(4, 24, 14, 15, 20, 3, 1, 1);
        float[] x = Random(40, (long)g.N * g.C * g.H * g.W);
        float[] w = Random(41, (long)g.K * g.C * g.R * g.S);
        float[] dy = Random(42, (long)g.N * g.K * g.P * g.Q);
        using Tensor tx = Upload(device, x, g.N, g.C, g.H, g.W);
        using Tensor tw = Upload(device, w, g.K, g.C, g.R, g.S);
        using Tensor tdy = Upload(device, dy, g.N, g.K, g.P, g.Q);
        using Tensor y = Poisoned(device, g.N, g.K, g.P, g.Q);
        using Tensor dx = Poisoned(device, g.N, g.C, g.H, g.W);
        using Tensor dw = Upload(device, new float[w.Length], g.K, g.C, g.R, g.S);

        TensorOps.Conv2dForward(tx, tw, y, g);
        float[] y1 = y.ToArray();
        TensorOps.Conv2dBackwardInput(tdy, tw, dx, g);
        float[] dx1 = dx.ToArray();
        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);
        float[] dw1 = dw.ToArray();

        TensorOps.Conv2dForward(tx, tw, y, g);
        TensorOps.Conv2dBackwardInput(tdy, tw, dx, g);
        TensorOps.Fill(dw, 0f);
        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);
        TensorAssert.BitIdentical(y.ToArray(), y1, "conv forward");
        TensorAssert.BitIdentical(dx.ToArray(), dx1, "conv backward input");
        TensorAssert.BitIdentical(dw.ToArray(), dw1, "conv backward weight");
    }

    [SkippableFact]
    public void Conv2dBackward_FloatFiniteDifferencesOnTheDevice_Agree()
    {
        ComputeDevice device = Require();
        var g = new Conv2dGeometry(2, 3, 6, 5, 4, 3, 3, 2, 1, 1, 1);
        float[] x = Random(53, (long)g.N * g.C * g.H * g.W);
        float[] w = Random(54, (long)g.K * g.C * g.R * g.S);
        float[] r = Random(55, (long)g.N * g.K * g.P * g.Q);
        using Tensor tx = Upload(device, x, g.N, g.C, g.H, g.W);
        using Tensor tw = Upload(device, w, g.K, g.C, g.R, g.S);
        using Tensor tr = Upload(device, r, g.N, g.K, g.P, g.Q);
        using Tensor y = Poisoned(device, g.N, g.K, g.P, g.Q);
        using Tensor dx = Poisoned(device, g.N, g.C, g.H, g.W);
        using Tensor dw = Upload(device, new float[w.Length], g.K, g.C, g.R, g.S);
        TensorOps.Conv2dBackwardInput(tr, tw, dx, g);
        TensorOps.Conv2dBackwardWeight(tx, tr, dw, g);

        double Loss()
        {
            TensorOps.Conv2dForward(tx, tw, y, g);
            return Dot(r, y.ToArray());
        }

        FiniteDifferenceSmoke(x, v => tx.CopyFrom(v), Loss, dx.ToArray(), 56, "conv dx");
        FiniteDifferenceSmoke(w, v => tw.CopyFrom(v), Loss, dw.ToArray(), 57, "conv dw");
    }

    [SkippableFact]
    public void Conv2dAllPasses_AfterwardsNoWorkspaceStaysRented()
    {
        ComputeDevice device = Require();
        Conv2dGeometry g = Conv2dGeometry.Create(2, 3, 6, 5, 4, 3, 1, 1);
        int before = device.Pool.RentedCount;
        using (Tensor x = device.RandomTensor(43, g.N, g.C, g.H, g.W))
        using (Tensor w = device.RandomTensor(44, g.K, g.C, g.R, g.S))
        using (Tensor y = Poisoned(device, g.N, g.K, g.P, g.Q))
        using (Tensor dx = Poisoned(device, g.N, g.C, g.H, g.W))
        using (Tensor dw = device.RandomTensor(45, g.K, g.C, g.R, g.S))
        {
            TensorOps.Conv2dForward(x, w, y, g);
            TensorOps.Conv2dBackwardInput(y, w, dx, g);
            TensorOps.Conv2dBackwardWeight(x, y, dw, g);
            device.Synchronize();
        }

        device.Pool.RentedCount.Should().Be(before, "every workspace buffer an op rents must go back to the pool");
    }

    private void CheckForward(Conv2dGeometry g)
    {
        ComputeDevice device = Require();
        float[] x = Random(46, (long)g.N * g.C * g.H * g.W);
        float[] w = Random(47, (long)g.K * g.C * g.R * g.S);
        using Tensor tx = Upload(device, x, g.N, g.C, g.H, g.W);
        using Tensor tw = Upload(device, w, g.K, g.C, g.R, g.S);
        using Tensor y = Poisoned(device, g.N, g.K, g.P, g.Q);

        TensorOps.Conv2dForward(tx, tw, y, g);
        TensorAssert.Close(
            y.ToArray(), Conv2dReference.Forward(D(x), D(w), g), ReductionAtol(g.C * g.R * g.S), Rtol, $"forward {g}");
    }

    private void CheckBackwardInput(Conv2dGeometry g)
    {
        ComputeDevice device = Require();
        float[] dy = Random(48, (long)g.N * g.K * g.P * g.Q);
        float[] w = Random(49, (long)g.K * g.C * g.R * g.S);
        using Tensor tdy = Upload(device, dy, g.N, g.K, g.P, g.Q);
        using Tensor tw = Upload(device, w, g.K, g.C, g.R, g.S);
        using Tensor dx = Poisoned(device, g.N, g.C, g.H, g.W);

        TensorOps.Conv2dBackwardInput(tdy, tw, dx, g);
        TensorAssert.Close(
            dx.ToArray(), Conv2dReference.BackwardInput(D(dy), D(w), g), ReductionAtol(g.K * g.R * g.S), Rtol,
            $"backward input {g}");
    }

    private void CheckBackwardWeight(Conv2dGeometry g)
    {
        ComputeDevice device = Require();
        float[] x = Random(50, (long)g.N * g.C * g.H * g.W);
        float[] dy = Random(51, (long)g.N * g.K * g.P * g.Q);
        float[] dw0 = Random(52, (long)g.K * g.C * g.R * g.S);
        using Tensor tx = Upload(device, x, g.N, g.C, g.H, g.W);
        using Tensor tdy = Upload(device, dy, g.N, g.K, g.P, g.Q);
        using Tensor dw = Upload(device, dw0, g.K, g.C, g.R, g.S);
        double atol = ReductionAtol((long)g.N * g.P * g.Q);

        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);
        double[] expected = D(dw0);
        Conv2dReference.BackwardWeight(D(x), D(dy), expected, g);
        TensorAssert.Close(dw.ToArray(), expected, atol, Rtol, $"backward weight, dw starting non-zero {g}");

        TensorOps.Conv2dBackwardWeight(tx, tdy, dw, g);
        Conv2dReference.BackwardWeight(D(x), D(dy), expected, g);
        TensorAssert.Close(dw.ToArray(), expected, 2 * atol, Rtol, $"backward weight accumulated twice {g}");
    }
}
