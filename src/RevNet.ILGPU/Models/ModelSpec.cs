namespace RevNet.ILGPU.Models;

/// <summary>
/// The architecture of a RevNet or ResNet in the RevNet authors' layout: a 3x3 conv-BN-ReLU stem, three stages of
/// pre-activation units (the first unit of each stage is the transition unit, stride 2 in stages 2 and 3), and a
/// BN-ReLU-global-average-pool-linear head.
/// </summary>
/// <param name="Name">The name.</param>
/// <param name="Reversible">True for a RevNet (coupling units on channel halves), false for a ResNet.</param>
/// <param name="Bottleneck">Bottleneck units (1x1-3x3-1x1, inner width = output / 4) instead of basic ones
/// (3x3-3x3).</param>
/// <param name="Units">Units per stage (three stages).</param>
/// <param name="Widths">Output channels of each stage (for a RevNet, both halves together).</param>
/// <param name="Stem">Channels of the stem convolution.</param>
public sealed record ModelSpec(string Name, bool Reversible, bool Bottleneck, int[] Units, int[] Widths, int Stem)
{
    /// <summary>Weighted layers on the longest path: convolutions of the units, the stem and the classifier.</summary>
    public int Depth => (Units.Sum() * (Bottleneck ? 3 : 2) * (Reversible ? 2 : 1)) + 2;

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">Not three stages, a count not positive, or odd RevNet widths.</exception>
    public void Validate()
    {
        if (Units is not { Length: 3 } || Widths is not { Length: 3 } || Units.Any(u => u <= 0)
            || Widths.Any(w => w <= 0) || Stem <= 0)
        {
            throw new ArgumentException($"Model {Name}: expected three stages with positive units and widths.");
        }

        int inner = (Reversible ? 2 : 1) * (Bottleneck ? 4 : 1);
        if (Widths.Any(w => w % inner != 0) || (Reversible && Stem % 2 != 0))
        {
            throw new ArgumentException($"Model {Name}: widths must be divisible by {inner} and a RevNet stem even.");
        }
    }
}
