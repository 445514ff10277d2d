namespace RevNet.ILGPU.Data;

/// <summary>
/// A small, fast, seedable random generator (xoshiro256**, seeded through SplitMix64) whose whole state can be saved
/// and restored, so a resumed run draws exactly the numbers an uninterrupted run would have drawn.
/// </summary>
/// <remarks>Not thread-safe; not for cryptography. The same seed gives the same sequence on every platform.</remarks>
public sealed class DeterministicRandom
{
    /// <summary>The number of <see cref="ulong"/> words in <see cref="GetState"/>.</summary>
    public const int StateLength = 4;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator from a seed.</summary>
    /// <param name="seed">Any value; equal seeds give equal sequences.</param>
    public DeterministicRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>Mixes several values into one well-distributed 64-bit seed (for counter-based streams).</summary>
    /// <param name="a">The first value.</param>
    /// <param name="b">The second value.</param>
    /// <param name="c">The third value.</param>
    /// <returns>A seed that depends on all three values.</returns>
    public static ulong Mix(ulong a, ulong b, ulong c = 0)
    {
        ulong x = a;
        ulong h = SplitMix64(ref x);
        x = h ^ b;
        h = SplitMix64(ref x);
        x = h ^ c;
        return SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    /// <returns>The value.</returns>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    /// <param name="maxExclusive">The bound; must be positive.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The bound is not positive.</exception>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            UInt128 m = (UInt128)r * bound;
            if ((ulong)m >= threshold)
            {
                return (int)(m >> 64);
            }
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    /// <returns>The value.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    /// <returns>The value.</returns>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A standard normal sample (Box–Muller; uses two uniforms per call).</summary>
    /// <returns>The value.</returns>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles a span in place (Fisher–Yates).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values.</param>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>Copies the whole state (<see cref="StateLength"/> words).</summary>
    /// <returns>The state.</returns>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state captured by <see cref="GetState"/>.</summary>
    /// <param name="state">Exactly <see cref="StateLength"/> words, not all zero.</param>
    /// <exception cref="ArgumentException">Wrong length, or all zero (xoshiro's one invalid state).</exception>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateLength)
        {
            throw new ArgumentException($"Expected {StateLength} state words, got {state.Length}.", nameof(state));
        }

        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("An all-zero state is invalid for xoshiro256**.", nameof(state));
        }

        _s0 = state[0];
        _s1 = state[1];
        _s2 = state[2];
        _s3 = state[3];
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
