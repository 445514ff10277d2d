using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class AugmentationTests
{
    // A 2-channel 4x5 image whose value encodes (c, y, x): 100c + 10y + x + 1 (never 0).
    private static readonly float[] Image = Enumerable.Range(0, 2 * 4 * 5)
        .Select(i => (float)((100 * (i / 20)) + (10 * (i % 20 / 5)) + (i % 5) + 1)).ToArray();

    [Fact]
    public void Apply_Identity_CopiesTheImage()
    {
        float[] dst = new float[Image.Length];
        Augmentation.None.Apply(Image, dst, 2, 4, 5, [0f, 0f], new DeterministicRandom(1));
        dst.Should().Equal(Image);
    }

    [Fact]
    public void Apply_CropWithPadding_IsAShiftWithZeroFill()
    {
        var aug = new Augmentation(CropPadding: 2);
        var seen = new HashSet<(int, int)>();
        for (ulong seed = 0; seed < 200; seed++)
        {
            float[] dst = new float[Image.Length];
            aug.Apply(Image, dst, 2, 4, 5, [-7f, -9f], new DeterministicRandom(seed));
            (int dy, int dx) = FindShift(dst);
            dy.Should().BeInRange(-2, 2);
            dx.Should().BeInRange(-2, 2);
            seen.Add((dy, dx));
            for (int c = 0; c < 2; c++)
            {
                for (int y = 0; y < 4; y++)
                {
                    for (int x = 0; x < 5; x++)
                    {
                        int sy = y + dy;
                        int sx = x + dx;
                        float expected = sy is >= 0 and < 4 && sx is >= 0 and < 5
                            ? Image[(c * 20) + (sy * 5) + sx]
                            : (c == 0 ? -7f : -9f);
                        dst[(c * 20) + (y * 5) + x].Should().Be(expected);
                    }
                }
            }
        }

        seen.Should().HaveCount(25, "every shift in [-2, 2]² occurs");
    }

    [Fact]
    public void Apply_Flip_MirrorsRowsAboutHalfTheTime()
    {
        var aug = new Augmentation(HorizontalFlip: true);
        int flips = 0;
        for (ulong seed = 0; seed < 400; seed++)
        {
            float[] dst = new float[Image.Length];
            aug.Apply(Image, dst, 2, 4, 5, [0f, 0f], new DeterministicRandom(seed));
            bool flipped = dst[0] == Image[4];
            if (flipped)
            {
                flips++;
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i].Should().Be(Image[(i / 5 * 5) + (4 - (i % 5))]);
                }
            }
            else
            {
                dst.Should().Equal(Image);
            }
        }

        flips.Should().BeInRange(160, 240);
    }

    [Fact]
    public void Apply_SameSeed_SameResult()
    {
        var aug = new Augmentation(3, true);
        float[] a = new float[Image.Length];
        float[] b = new float[Image.Length];
        aug.Apply(Image, a, 2, 4, 5, [0f, 0f], new DeterministicRandom(42));
        aug.Apply(Image, b, 2, 4, 5, [0f, 0f], new DeterministicRandom(42));
        a.Should().Equal(b);
    }

    /// <summary>Finds (dy, dx) with dst[y, x] = src[y + dy, x + dx] from any copied (non-fill) pixel of channel 0.</summary>
    private static (int Dy, int Dx) FindShift(float[] dst)
    {
        for (int i = 0; i < 20; i++)
        {
            if (dst[i] > 0)
            {
                int v = (int)dst[i] - 1;
                return ((v / 10) - (i / 5), (v % 10) - (i % 5));
            }
        }

        throw new InvalidOperationException("No copied pixel.");
    }
}
