using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>The public training step and losses: what a custom loop is built from.</summary>
public sealed class TrainingStepTests
{
    [Fact]
    public void LabelSmoothing_ZeroSmoothing_MatchesFusedCrossEntropy()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Tensor logits = device.RandomTensor(1, 6, 5);
        using Tensor g1 = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);
        using Tensor g2 = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);
        int[] labels = [0, 4, 2, 2, 1, 3];

        float fused = SoftmaxCrossEntropyLoss.Instance.Compute(logits, labels, g1);
        float smoothed = new LabelSmoothingCrossEntropyLoss(0).Compute(logits, labels, g2);

        smoothed.Should().BeApproximately(fused, 1e-5f);
        TensorAssert.Close(g2.ToArray(), g1.ToArray(), atol: 1e-6, what: "dlogits");
    }

    [Fact]
    public void LabelSmoothing_Gradient_MatchesFiniteDifferencesAndDoubleReference()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        const int n = 4, k = 3;
        const double eps = 0.2;
        double[] z = GradientCheck.Random(7, n * k, -2, 2);
        int[] labels = [2, 0, 1, 1];
        using Tensor logits = device.ToTensor(Array.ConvertAll(z, v => (float)v), n, k);
        using Tensor grad = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);

        float loss = new LabelSmoothingCrossEntropyLoss(eps).Compute(logits, labels, grad);

        double Reference(double[] v)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double max = Enumerable.Range(0, k).Max(j => v[(i * k) + j]);
                double lse = max + Math.Log(Enumerable.Range(0, k).Sum(j => Math.Exp(v[(i * k) + j] - max)));
                for (int j = 0; j < k; j++)
                {
                    total -= ((eps / k) + (j == labels[i] ? 1 - eps : 0)) * (v[(i * k) + j] - lse);
                }
            }

            return total / n;
        }

        loss.Should().BeApproximately((float)Reference(z), 1e-5f);
        double[] numeric = GradientCheck.Numerical(z, () => Reference(z));
        TensorAssert.Close(grad.ToArray(), numeric, atol: 1e-5, what: "dL/dz");
    }

    [Fact]
    public void LabelSmoothing_OutOfRange_ThrowsNamingTheFix()
    {
        Action act = () => _ = new LabelSmoothingCrossEntropyLoss(1.0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[0, 1)*");
    }

    [Fact]
    public void Run_EqualsTheHandWrittenLoop_BitForBit()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var a = new TinyMlp(device, 12, 8, 3, seed: 5);
        using var b = new TinyMlp(device, 12, 8, 3, seed: 5);
        using var sgdA = new Sgd(0.1f, momentum: 0.9f);
        using var sgdB = new Sgd(0.1f, momentum: 0.9f);
        var step = new TrainingStep(a, SoftmaxCrossEntropyLoss.Instance, sgdA);
        int[] labels = [0, 2, 1, 1];
        for (int i = 0; i < 3; i++)
        {
            using Tensor x = device.RandomTensor(20 + i, 4, 12);
            StepResult r = step.Run(x, labels);

            sgdB.ZeroGradients(b.Parameters);
            using Tensor logits = b.Forward(x, ForwardMode.Train);
            using Tensor dlogits = device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);
            float loss = SoftmaxCrossEntropyLoss.Instance.Compute(logits, labels, dlogits);
            b.Backward(dlogits).Dispose();
            sgdB.Step(b.Parameters);

            r.Loss.Should().Be(loss);
            r.Correct.Should().BeInRange(0, 4);
        }

        for (int p = 0; p < a.Parameters.Count; p++)
        {
            TensorAssert.BitIdentical(a.Parameters[p].Value.ToArray(), b.Parameters[p].Value.ToArray(), a.Parameters[p].Name);
        }
    }

    [Fact]
    public void Run_NonFiniteLoss_SkipsBackwardAndUpdate()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 12, 8, 3, seed: 5) { PoisonAtForward = 1 };
        using var sgd = new Sgd(0.1f);
        float[] before = model.Parameters[0].Value.ToArray();
        using Tensor x = device.RandomTensor(3, 4, 12);
        sgd.ZeroGradients(model.Parameters); // readies the optimizer state, so the count below is the step's alone
        int rented = device.Pool.RentedCount;

        StepResult r = new TrainingStep(model, SoftmaxCrossEntropyLoss.Instance, sgd).Run(x, [0, 1, 2, 0]);

        r.IsFinite.Should().BeFalse();
        TensorAssert.BitIdentical(model.Parameters[0].Value.ToArray(), before, "weights untouched");
        model.Parameters[0].Gradient!.ToArray().Should().OnlyContain(v => v == 0f, "no backward ran");
        device.Pool.RentedCount.Should().Be(rented + 2, "only the test model's two held activations stay; nothing leaked");
    }
}
