using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Layers;
using RevNet.ILGPU.Tests.Support;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Reversible;

/// <summary>
/// Deep stacks on Host: a 32-block reversible stack keeps Store-mode gradients (cosine &gt; 0.99999, relative error
/// &lt; 1e-3), and the activation peak of a Reconstruct step is flat in depth while a Store step's grows linearly.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DeepStackTests(HostFixture fixture, ITestOutputHelper output)
{
    [SkippableFact]
    public void ThirtyTwoBlockStack_ReconstructGradients_MatchStore()
    {
        ComputeDevice device = fixture.Require();
        const int channels = 8;
        var layers = new List<ILayer>
        {
            new Conv2d(device, 3, channels, 3, seed: 1, name: "stem"),
            new BatchNorm2d(device, channels, relu: true, name: "stem.bn"),
        };
        for (int b = 0; b < 32; b++)
        {
            layers.Add(LayerTestKit.Block(device, channels, seed: 100 + (7 * b), name: $"block{b}"));
        }

        layers.Add(new BatchNorm2d(device, channels, relu: true, name: "head.bn"));
        layers.Add(new GlobalAvgPool());
        layers.Add(new Linear(device, channels, 5, seed: 2, name: "head.fc"));
        using var net = new Sequential(layers);
        using Tensor x = device.RandomTensor(3, 4, 3, 8, 8);

        AuditReport report = ReversibilityAudit.Run(net, x, [0, 1, 2, 3]);
        output.WriteLine(
            $"32 blocks: max reconstruction error {report.MaxReconstructionError:E2} (relative {report.MaxRelativeReconstructionError:E2}); "
            + $"gradients cosine {report.AllParameters.Cosine:F9}, relative error {report.AllParameters.RelativeError:E2}; "
            + $"input gradient cosine {report.InputGradient.Cosine:F9}, relative error {report.InputGradient.RelativeError:E2}; "
            + $"worst parameter {report.Parameters.Max(p => p.RelativeError):E2}");

        report.Blocks.Should().HaveCount(32);
        report.Blocks.Should().OnlyContain(b => b.MaxAbsInput > 0.1, "the blocks see non-trivial inputs");
        report.AllParameters.Cosine.Should().BeGreaterThan(0.99999);
        report.AllParameters.RelativeError.Should().BeLessThan(1e-3);
        report.InputGradient.Cosine.Should().BeGreaterThan(0.99999);
        report.InputGradient.RelativeError.Should().BeLessThan(1e-3);

        // The coupling grid makes the inverse exact: every rebuilt input and every gradient is bit-identical.
        report.MaxReconstructionError.Should().Be(0);
        report.Parameters.Should().OnlyContain(p => p.MaxAbsDifference == 0);
        report.InputGradient.MaxAbsDifference.Should().Be(0);
        report.ReconstructActivationPeakBytes.Should().BeLessThan(report.StoreActivationPeakBytes / 8);
    }

    [SkippableFact]
    public void ActivationPeak_ReconstructIsFlatInDepth_StoreGrowsLinearly()
    {
        ComputeDevice device = fixture.Require();
        // 32x32 images so that activations, not the O(C) batch-norm statistics kept per layer, dominate.
        var options = new ModelOptions { InputChannels = 3, ImageSize = 32, Classes = 4, Seed = 5 };
        var reconstruct = new Dictionary<int, long>();
        var store = new Dictionary<int, long>();
        foreach (int units in new[] { 4, 16, 32 })
        {
            var spec = new ModelSpec($"revnet-{units}", true, false, [units, units, units], [8, 16, 32], 8);
            using Model model = ModelZoo.Create(spec, device, options);
            using Tensor x = device.RandomTensor(units, 2, 3, 32, 32);
            AuditReport report = ReversibilityAudit.Run(model, x, [1, 2]);
            reconstruct[units] = report.ReconstructActivationPeakBytes;
            store[units] = report.StoreActivationPeakBytes;
            output.WriteLine($"{units} units/stage: reconstruct {reconstruct[units]} B, store {store[units]} B");
        }

        long min = reconstruct.Values.Min(), max = reconstruct.Values.Max();
        ((double)max / min).Should().BeLessThan(1.10, "Reconstruct keeps no activation inside a run");
        ((double)store[16] / store[4]).Should().BeGreaterThan(2.5, "Store keeps every activation");
        ((double)store[32] / store[16]).Should().BeGreaterThan(1.6, "Store grows linearly in depth");
    }
}
