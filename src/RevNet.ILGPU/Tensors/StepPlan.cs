namespace RevNet.ILGPU.Tensors;

/// <summary>
/// The memory plan of a training step: where in one arena each block the step rents lives. Built from one recorded
/// step (every rent's size, and when it was rented and returned) by greedy best fit in decreasing size, as static
/// planners of inference runtimes do: each block takes the smallest gap, among the blocks whose lifetimes overlap
/// its own, that holds it. Blocks that outlive the step are not planned.
/// </summary>
internal sealed class StepPlan
{
    private StepPlan(long[] lengths, long[] offsets, long arenaLength)
    {
        Lengths = lengths;
        Offsets = offsets;
        ArenaLength = arenaLength;
    }

    /// <summary>The planned rents' element counts, in the order the step rents them.</summary>
    public long[] Lengths { get; }

    /// <summary>Each block's first element in the arena (aligned to <see cref="MemoryChunk.AlignFloats"/>).</summary>
    public long[] Offsets { get; }

    /// <summary>The arena's element count.</summary>
    public long ArenaLength { get; }

    /// <summary>Number of planned blocks.</summary>
    public int Count => Lengths.Length;

    /// <summary>Plans the rents of a recorded step.</summary>
    /// <param name="records">Every rent of the step in order; End &lt; 0 for blocks still rented at its end.</param>
    /// <returns>The plan, or null when nothing was rented and returned within the step.</returns>
    public static StepPlan? Build(IReadOnlyList<StepRecord> records)
    {
        var planned = new List<StepRecord>(records.Count);
        foreach (StepRecord r in records)
        {
            if (r.End >= 0)
            {
                planned.Add(r);
            }
        }

        if (planned.Count == 0)
        {
            return null;
        }

        int n = planned.Count;
        long[] size = new long[n];
        for (int i = 0; i < n; i++)
        {
            size[i] = Align(planned[i].Length);
        }

        int[] order = [.. Enumerable.Range(0, n).OrderByDescending(i => size[i]).ThenBy(i => planned[i].Start)];
        long[] offsets = new long[n];
        var placed = new List<int>(n);
        var neighbours = new List<(long Offset, long End)>();
        long arena = 0;
        foreach (int i in order)
        {
            neighbours.Clear();
            foreach (int j in placed)
            {
                if (planned[j].Start < planned[i].End && planned[i].Start < planned[j].End)
                {
                    neighbours.Add((offsets[j], offsets[j] + size[j]));
                }
            }

            neighbours.Sort();
            long best = -1, bestGap = long.MaxValue, cursor = 0;
            foreach ((long offset, long end) in neighbours)
            {
                long gap = offset - cursor;
                if (gap >= size[i] && gap < bestGap)
                {
                    best = cursor;
                    bestGap = gap;
                }

                cursor = Math.Max(cursor, end);
            }

            offsets[i] = best >= 0 ? best : cursor;
            arena = Math.Max(arena, offsets[i] + size[i]);
            placed.Add(i);
        }

        return new StepPlan([.. planned.Select(r => r.Length)], offsets, arena);
    }

    /// <summary>The element count rounded up to the block alignment.</summary>
    public static long Align(long length) => (length + MemoryChunk.AlignFloats - 1) / MemoryChunk.AlignFloats * MemoryChunk.AlignFloats;
}

/// <summary>One rent of a recorded step.</summary>
/// <param name="Length">Elements asked for.</param>
/// <param name="Start">Event number of the rent.</param>
/// <param name="End">Event number of the return, or -1 when the block outlived the step.</param>
internal record struct StepRecord(long Length, long Start, long End);
