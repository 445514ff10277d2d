using System.Globalization;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

/// <summary>
/// A small deterministic mutation fuzzer for the file parsers: bit flips, byte overwrites, truncation, appended
/// garbage, duplicated chunks and "interesting" integers written over header fields. Every case is reproducible
/// from (seed, case index). <c>REVNET_FUZZ_ITERATIONS</c> overrides the case count (the documented long run uses
/// 1,000,000).
/// </summary>
public static class Fuzz
{
    public const string IterationsVariable = "REVNET_FUZZ_ITERATIONS";

    /// <summary>Bytes a single parse may allocate before it counts as a runaway allocation.</summary>
    public const long AllocationLimit = 48L << 20;

    private static readonly long[] Interesting =
    [
        0, 1, 2, 3, 7, 8, 255, 256, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 3073, 60_000, 1_000_000, 0x7FFF_FFFF,
        0x8000_0000, 0xFFFF_FFFF, 1_000_000_000_000, long.MaxValue, -1, -2, int.MinValue, long.MinValue,
    ];

    public static int Iterations(int normal = 10_000)
    {
        string? text = Environment.GetEnvironmentVariable(IterationsVariable);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : normal;
    }

    /// <summary>A mutated copy of <paramref name="original"/> (possibly identical, e.g. a byte overwritten by itself).</summary>
    public static byte[] Mutate(byte[] original, DeterministicRandom rng)
    {
        byte[] b = (byte[])original.Clone();
        int rounds = 1 + rng.NextInt(3);
        for (int r = 0; r < rounds; r++)
        {
            switch (rng.NextInt(7))
            {
                case 0:
                    if (b.Length > 0)
                    {
                        int bits = 1 + rng.NextInt(8);
                        for (int i = 0; i < bits; i++)
                        {
                            b[rng.NextInt(b.Length)] ^= (byte)(1 << rng.NextInt(8));
                        }
                    }

                    break;
                case 1:
                    if (b.Length > 0)
                    {
                        int count = 1 + rng.NextInt(4);
                        for (int i = 0; i < count; i++)
                        {
                            b[rng.NextInt(b.Length)] = (byte)rng.NextInt(256);
                        }
                    }

                    break;
                case 2:
                    b = b[..rng.NextInt(b.Length + 1)];
                    break;
                case 3:
                    {
                        byte[] tail = new byte[1 + rng.NextInt(64)];
                        for (int i = 0; i < tail.Length; i++)
                        {
                            tail[i] = (byte)rng.NextInt(256);
                        }

                        b = [.. b, .. tail];
                        break;
                    }

                case 4:
                case 5:
                    // An interesting integer over a (header-heavy) position, big- or little-endian, 4 or 8 bytes.
                    if (b.Length >= 8)
                    {
                        int width = rng.NextInt(2) == 0 ? 4 : 8;
                        int limit = Math.Min(b.Length - width, 96);
                        int at = rng.NextInt(limit + 1);
                        long value = Interesting[rng.NextInt(Interesting.Length)];
                        bool bigEndian = rng.NextInt(2) == 0;
                        for (int i = 0; i < width; i++)
                        {
                            int shift = 8 * (bigEndian ? width - 1 - i : i);
                            b[at + i] = (byte)(value >> shift);
                        }
                    }

                    break;
                default:
                    if (b.Length > 1)
                    {
                        int start = rng.NextInt(b.Length);
                        int len = 1 + rng.NextInt(Math.Min(64, b.Length - start));
                        int insertAt = rng.NextInt(b.Length + 1);
                        b = [.. b[..insertAt], .. b.AsSpan(start, len).ToArray(), .. b[insertAt..]];
                    }

                    break;
            }
        }

        return b;
    }

    /// <summary>
    /// Runs <paramref name="cases"/> mutated inputs through <paramref name="parse"/>; only
    /// <typeparamref name="TExpected"/> may escape, no parse may allocate more than <see cref="AllocationLimit"/>, and
    /// <paramref name="checkSuccess"/> judges every input that parses.
    /// </summary>
    /// <returns>(cases rejected with the typed error, cases parsed).</returns>
    public static (int Rejected, int Parsed) Run<TExpected, TResult>(
        byte[] original, ulong seed, int cases, Func<byte[], TResult> parse, Action<byte[], TResult> checkSuccess)
        where TExpected : Exception
    {
        int rejected = 0;
        int parsed = 0;
        for (int c = 0; c < cases; c++)
        {
            var rng = new DeterministicRandom(DeterministicRandom.Mix(seed, (ulong)c));
            byte[] input = Mutate(original, rng);
            long before = GC.GetAllocatedBytesForCurrentThread();
            TResult result;
            try
            {
                result = parse(input);
            }
            catch (TExpected)
            {
                rejected++;
                CheckAllocation(before, seed, c, input);
                continue;
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Case {c} (seed {seed}, {input.Length} bytes) threw {ex.GetType().Name} instead of {typeof(TExpected).Name}: {ex}");
            }

            CheckAllocation(before, seed, c, input);
            parsed++;
            try
            {
                checkSuccess(input, result);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Case {c} (seed {seed}, {input.Length} bytes) parsed wrongly: {ex.Message}", ex);
            }
        }

        return (rejected, parsed);
    }

    private static void CheckAllocation(long before, ulong seed, int c, byte[] input)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationLimit)
        {
            throw new Xunit.Sdk.XunitException(
                $"Case {c} (seed {seed}, {input.Length} bytes) allocated {allocated} bytes (limit {AllocationLimit}).");
        }
    }
}
