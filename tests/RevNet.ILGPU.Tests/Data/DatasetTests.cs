using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class DatasetTests
{
    [Fact]
    public void Normalize_ComputedStatistics_GiveZeroMeanUnitStdPerChannel()
    {
        Dataset d = Random(2, 3, 4, 4, seed: 1, count: 50);
        Normalization n = Normalization.Compute(d);
        n.Channels.Should().Be(3);

        d.Normalize(n);

        Normalization after = Normalization.Compute(RawCopy(d));
        after.Mean.Should().AllSatisfy(m => m.Should().BeApproximately(0f, 1e-5f));
        after.Std.Should().AllSatisfy(s => s.Should().BeApproximately(1f, 1e-5f));
        d.Normalization.Should().BeSameAs(n);
    }

    [Fact]
    public void Normalize_Twice_Throws()
    {
        Dataset d = Random(1, 1, 2, 2, seed: 2, count: 3);
        d.Normalize(Normalization.FashionMnist);
        Action act = () => d.Normalize(Normalization.FashionMnist);
        act.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Normalize_WrongChannelCount_Throws()
    {
        Dataset d = Random(1, 1, 2, 2, seed: 2, count: 3);
        Action act = () => d.Normalize(Normalization.Cifar10);
        act.Should().Throw<ArgumentException>().WithParameterName("normalization");
    }

    [Fact]
    public void ZeroValue_AfterNormalization_IsTheNormalizedBlack()
    {
        Dataset d = Random(1, 1, 2, 2, seed: 3, count: 2);
        d.ZeroValue(0).Should().Be(0f);
        d.Normalize(Normalization.FashionMnist);
        d.ZeroValue(0).Should().BeApproximately(-0.2860f / 0.3530f, 1e-6f);
    }

    [Fact]
    public void Slice_CopiesRangeAndNormalization()
    {
        Dataset d = Random(1, 1, 2, 2, seed: 4, count: 5);
        d.Normalize(Normalization.FashionMnist);

        Dataset s = d.Slice(1, 3);

        s.Count.Should().Be(3);
        s.Labels.Should().Equal(d.Labels[1..4]);
        s.GetImage(0).ToArray().Should().Equal(d.GetImage(1).ToArray());
        s.Normalization.Should().BeSameAs(d.Normalization);
        s.Images[0] = 123f;
        d.Images[4].Should().NotBe(123f, "a slice is a copy");
    }

    [Fact]
    public void Constructor_LabelOutOfRange_Throws()
    {
        Action act = () => _ = new Dataset(new float[4], [0, 3], 1, 1, 2, classCount: 3);
        act.Should().Throw<ArgumentException>().WithParameterName("labels");
    }

    internal static Dataset Random(int classes, int channels, int h, int w, int seed, int count)
    {
        var rng = new Random(seed);
        float[] images = new float[count * channels * h * w];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)rng.NextDouble();
        }

        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = rng.Next(classes);
        }

        return new Dataset(images, labels, channels, h, w, classes);
    }

    private static Dataset RawCopy(Dataset d) =>
        new((float[])d.Images.Clone(), (int[])d.Labels.Clone(), d.Channels, d.Height, d.Width, d.ClassCount);
}
