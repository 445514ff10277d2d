using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>SGD and Adam against hand-written double-precision updates, on every backend.</summary>
public abstract class OptimizerTests(DeviceFixture fixture)
{
    private const int Length = 17;

    [SkippableTheory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.9f, 0f, false)]
    [InlineData(0.9f, 0.01f, false)]
    [InlineData(0.9f, 0.01f, true)]
    public void Sgd_ThreeSteps_MatchHandComputedUpdates(float momentum, float weightDecay, bool nesterov)
    {
        ComputeDevice device = fixture.Require();
        const float Lr = 0.1f;
        float[] w0 = TestData.Uniform(1, Length);
        float[][] grads = [TestData.Uniform(2, Length), TestData.Uniform(3, Length), TestData.Uniform(4, Length)];
        using var p = new Parameter(device, "w", new Shape(Length));
        p.Value.CopyFrom(w0);
        using var sgd = new Sgd(Lr, momentum, weightDecay, nesterov);

        double[] w = w0.ToDouble();
        double[] v = new double[Length];
        foreach (float[] g in grads)
        {
            p.Gradient!.CopyFrom(g);
            sgd.Step([p]);
            for (int i = 0; i < Length; i++)
            {
                double gi = g[i] + (weightDecay * w[i]);
                v[i] = (momentum * v[i]) + gi;
                w[i] -= Lr * (nesterov ? gi + (momentum * v[i]) : v[i]);
            }
        }

        TensorAssert.Close(p.Value.ToArray(), w, atol: 1e-6, rtol: 1e-5, what: "sgd weights");
        sgd.StepCount.Should().Be(3);
    }

    [SkippableTheory]
    [InlineData(0f, false)]
    [InlineData(0.05f, false)]
    [InlineData(0.05f, true)]
    public void Adam_ThreeSteps_MatchHandComputedUpdates(float weightDecay, bool decoupled)
    {
        ComputeDevice device = fixture.Require();
        const float Lr = 0.01f;
        const float B1 = 0.9f;
        const float B2 = 0.999f;
        const float Eps = 1e-8f;
        float[] w0 = TestData.Uniform(5, Length);
        float[][] grads = [TestData.Uniform(6, Length), TestData.Uniform(7, Length), TestData.Uniform(8, Length)];
        using var p = new Parameter(device, "w", new Shape(Length));
        p.Value.CopyFrom(w0);
        using var adam = new Adam(Lr, B1, B2, Eps, weightDecay, decoupled);
        adam.Kind.Should().Be(decoupled ? "adamw" : "adam");

        double[] w = w0.ToDouble();
        double[] m = new double[Length];
        double[] v = new double[Length];
        int t = 0;
        foreach (float[] g in grads)
        {
            t++;
            p.Gradient!.CopyFrom(g);
            adam.Step([p]);
            for (int i = 0; i < Length; i++)
            {
                double gi = decoupled ? g[i] : g[i] + (weightDecay * w[i]);
                m[i] = (B1 * m[i]) + ((1 - B1) * gi);
                v[i] = (B2 * v[i]) + ((1 - B2) * gi * gi);
                double mHat = m[i] / (1 - Math.Pow(B1, t));
                double vHat = v[i] / (1 - Math.Pow(B2, t));
                w[i] -= (Lr * mHat / (Math.Sqrt(vHat) + Eps)) + (decoupled ? Lr * weightDecay * w[i] : 0);
            }
        }

        TensorAssert.Close(p.Value.ToArray(), w, atol: 1e-6, rtol: 1e-5, what: "adam weights");
    }

    [SkippableFact]
    public void Step_SkipsBuffers_AndStateIsCountedAsOptimizerState()
    {
        ComputeDevice device = fixture.Require();
        using var p = new Parameter(device, "w", new Shape(Length));
        using var buffer = new Parameter(device, "running", new Shape(Length), trainable: false);
        p.Value.CopyFrom(TestData.Uniform(9, Length));
        buffer.Value.CopyFrom(TestData.Uniform(10, Length));
        p.Gradient!.CopyFrom(TestData.Uniform(11, Length));
        float[] before = buffer.Value.ToArray();
        long stateBefore = device.Pool.CurrentBytes(MemoryCategory.OptimizerState);

        using (var adam = new Adam(0.1f))
        {
            adam.Step([p, buffer]);
            buffer.Value.ToArray().Should().Equal(before);
            (device.Pool.CurrentBytes(MemoryCategory.OptimizerState) - stateBefore).Should().Be(2 * Length * sizeof(float));
        }

        device.Pool.CurrentBytes(MemoryCategory.OptimizerState).Should().Be(stateBefore, "disposing returns the state");
    }

    [SkippableFact]
    public void ZeroGradients_ClearsEveryGradient()
    {
        ComputeDevice device = fixture.Require();
        using var p = new Parameter(device, "w", new Shape(Length));
        p.Gradient!.CopyFrom(TestData.Uniform(12, Length));
        using var sgd = new Sgd(0.1f);
        sgd.ZeroGradients([p]);
        p.Gradient.ToArray().Should().OnlyContain(x => x == 0f);
    }

    [SkippableFact]
    public void ExportImport_ContinuesExactlyLikeTheOriginal()
    {
        ComputeDevice device = fixture.Require();
        float[] w0 = TestData.Uniform(13, Length);
        float[] g1 = TestData.Uniform(14, Length);
        float[] g2 = TestData.Uniform(15, Length);
        using var a = new Parameter(device, "w", new Shape(Length));
        using var b = new Parameter(device, "w", new Shape(Length));
        a.Value.CopyFrom(w0);
        using var first = new Adam(0.05f, weightDecay: 0.01f);
        a.Gradient!.CopyFrom(g1);
        first.Step([a]);
        OptimizerState state = first.ExportState();
        state.Tensors.Select(t => t.Name).Should().Equal("w#m", "w#v");
        state.StepCount.Should().Be(1);

        b.Value.CopyFrom(a.Value.ToArray());
        using var second = new Adam(0.05f, weightDecay: 0.01f);
        second.ImportState(state, [b]);
        a.Gradient.CopyFrom(g2);
        b.Gradient!.CopyFrom(g2);
        first.Step([a]);
        second.Step([b]);

        TensorAssert.BitIdentical(a.Value.ToArray(), b.Value.ToArray(), "weights after the resumed step");
    }

    [SkippableFact]
    public void ImportState_WrongKindNameOrShape_ThrowsAndKeepsState()
    {
        ComputeDevice device = fixture.Require();
        using var p = new Parameter(device, "w", new Shape(Length));
        using var sgd = new Sgd(0.1f, 0.9f);
        var wrongKind = new OptimizerState("adam", 1, 0.1f, []);
        var wrongName = new OptimizerState("sgd", 1, 0.1f, [new NamedArray("other#momentum", [Length], new float[Length])]);
        var wrongShape = new OptimizerState("sgd", 1, 0.1f, [new NamedArray("w#momentum", [Length - 1], new float[Length - 1])]);

        FluentActions.Invoking(() => sgd.ImportState(wrongKind, [p])).Should().Throw<ArgumentException>().WithMessage("*adam*sgd*");
        FluentActions.Invoking(() => sgd.ImportState(wrongName, [p])).Should().Throw<ArgumentException>().WithMessage("*other#momentum*");
        FluentActions.Invoking(() => sgd.ImportState(wrongShape, [p])).Should().Throw<ArgumentException>().WithMessage("*[16]*");
        sgd.StepCount.Should().Be(0);
    }

    [Fact]
    public void Constructors_BadHyperparameters_ThrowWithTheValue()
    {
        FluentActions.Invoking(() => new Sgd(-0.1f)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("Invalid learning rate: -0.1*");
        FluentActions.Invoking(() => new Sgd(0.1f, momentum: float.NaN)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("momentum");
        FluentActions.Invoking(() => new Sgd(0.1f, nesterov: true)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("nesterov");
        FluentActions.Invoking(() => new Adam(beta1: 1f)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("beta1");
        FluentActions.Invoking(() => new Adam(epsilon: 0f)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("epsilon");
        FluentActions.Invoking(() => new Adam(weightDecay: -1f)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("weightDecay");
    }
}

[Collection(HostCollection.Name)]
public sealed class HostOptimizerTests(HostFixture fixture) : OptimizerTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuOptimizerTests(IlgpuCpuFixture fixture) : OptimizerTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaOptimizerTests(CudaFixture fixture) : OptimizerTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLOptimizerTests(OpenCLFixture fixture) : OptimizerTests(fixture);
