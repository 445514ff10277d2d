using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Reference;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>The fused softmax cross-entropy: mean loss and dlogits = (softmax − onehot)/N.</summary>
public abstract class SoftmaxCrossEntropyOpsTests(DeviceFixture fixture) : OpsTestBase(fixture)
{
    [SkippableTheory]
    [InlineData(1, 1, 1f)]
    [InlineData(1, 10, 1f)]
    [InlineData(3, 10, 3f)]
    [InlineData(17, 3, 1f)]
    [InlineData(5, 7, 200f)]
    public void SoftmaxCrossEntropy_TinyBatch_MatchesReference(int n, int k, float scale) => Check(n, k, scale, 0f);

    [SkippableFact]
    public void SoftmaxCrossEntropy_HugeCommonOffset_StaysFinite()
    {
        // exp(1000) overflows float and double alike: only a max-subtracted softmax survives.
        Check(4, 6, 2f, 1000f);
    }

    [SkippableTheory]
    [InlineData(128, 10)]
    [InlineData(64, 1000)]
    [InlineData(33, 129)]
    public void SoftmaxCrossEntropy_LargeBatch_MatchesReference(int n, int k)
    {
        SkipOnSimulatorAbove((long)n * k);
        Check(n, k, 5f, 0f);
    }

    [SkippableFact]
    public void SoftmaxCrossEntropy_RunTwice_GivesBitIdenticalLossAndGradient()
    {
        ComputeDevice device = Require();
        (int n, int k) = IsSimulator ? (6, 5) : (256, 10);
        using Tensor logits = device.ToTensor(Random(100, (long)n * k, -4f, 4f), n, k);
        using Tensor d = Poisoned(device, n, k);
        int[] labels = Labels(101, n, k);

        float loss1 = TensorOps.SoftmaxCrossEntropy(logits, labels, d);
        float[] d1 = d.ToArray();
        float loss2 = TensorOps.SoftmaxCrossEntropy(logits, labels, d);
        BitConverter.SingleToInt32Bits(loss2).Should()
            .Be(BitConverter.SingleToInt32Bits(loss1), "the loss must be bit-identical");
        TensorAssert.BitIdentical(d.ToArray(), d1, "dlogits");
    }

    private void Check(int n, int k, float scale, float offset)
    {
        ComputeDevice device = Require();
        float[] logits = Random(102, (long)n * k, offset - scale, offset + scale);
        int[] labels = Labels(103, n, k);
        using Tensor t = Upload(device, logits, n, k);
        using Tensor d = Poisoned(device, n, k);

        float loss = TensorOps.SoftmaxCrossEntropy(t, labels, d);

        double expected = LossReference.SoftmaxCrossEntropy(D(logits), labels, n, k, out double[] dlogits);
        float[] dHost = d.ToArray();
        float.IsFinite(loss).Should().BeTrue();
        Math.Abs(loss - expected).Should()
            .BeLessThanOrEqualTo(Atol + (Rtol * Math.Abs(expected)), "loss {0} vs {1}", loss, expected);
        TensorAssert.Close(dHost, dlogits, Atol, Rtol, "dlogits");
        TensorAssert.BitIdentical(t.ToArray(), logits, "logits are read only");
    }
}
