using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

public sealed class DeterministicRandomTests
{
    [Fact]
    public void SameSeed_SameSequence_DifferentSeed_Differs()
    {
        var a = new DeterministicRandom(7);
        var b = new DeterministicRandom(7);
        var c = new DeterministicRandom(8);
        ulong[] sa = [.. Enumerable.Range(0, 16).Select(_ => a.NextUInt64())];
        ulong[] sb = [.. Enumerable.Range(0, 16).Select(_ => b.NextUInt64())];
        ulong[] sc = [.. Enumerable.Range(0, 16).Select(_ => c.NextUInt64())];
        sa.Should().Equal(sb);
        sa.Should().NotIntersectWith(sc);
    }

    [Fact]
    public void GetState_SetState_ContinuesTheSameSequence()
    {
        var a = new DeterministicRandom(123);
        for (int i = 0; i < 10; i++)
        {
            a.NextUInt64();
        }

        ulong[] state = a.GetState();
        double[] expected = [.. Enumerable.Range(0, 8).Select(_ => a.NextDouble())];

        var b = new DeterministicRandom(999);
        b.SetState(state);
        Enumerable.Range(0, 8).Select(_ => b.NextDouble()).Should().Equal(expected);
    }

    [Fact]
    public void SetState_AllZeroOrWrongLength_Throws()
    {
        var r = new DeterministicRandom(1);
        FluentActions.Invoking(() => r.SetState(new ulong[4])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => r.SetState(new ulong[3] { 1, 2, 3 })).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void NextInt_StaysInRange_AndCoversIt()
    {
        var r = new DeterministicRandom(5);
        int[] counts = new int[7];
        for (int i = 0; i < 7000; i++)
        {
            counts[r.NextInt(7)]++;
        }

        counts.Should().AllSatisfy(c => c.Should().BeInRange(850, 1150));
        FluentActions.Invoking(() => r.NextInt(0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void NextSingleAndDouble_InUnitInterval()
    {
        var r = new DeterministicRandom(6);
        for (int i = 0; i < 1000; i++)
        {
            r.NextSingle().Should().BeInRange(0f, 1f).And.NotBe(1f);
            r.NextDouble().Should().BeInRange(0d, 1d).And.NotBe(1d);
        }
    }

    [Fact]
    public void Shuffle_IsAPermutation()
    {
        int[] values = [.. Enumerable.Range(0, 100)];
        new DeterministicRandom(3).Shuffle(values.AsSpan());
        values.Should().BeEquivalentTo(Enumerable.Range(0, 100));
        values.Should().NotEqual(Enumerable.Range(0, 100));
    }
}
