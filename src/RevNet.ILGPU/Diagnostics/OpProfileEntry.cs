namespace RevNet.ILGPU.Diagnostics;

/// <summary>One op kind in an <see cref="OpProfiler"/>: every call of one <see cref="Ops.TensorOps"/> method.</summary>
/// <param name="Op">The op's name (the <see cref="Ops.TensorOps"/> method, e.g. <c>Conv2dBackwardWeight</c>).</param>
/// <param name="Calls">How many times it ran.</param>
/// <param name="Time">Its total time, the device synchronized before and after each call.</param>
/// <param name="Bytes">Bytes moved: the sizes of the tensors it reads plus those it writes, summed over its calls.</param>
public sealed record OpProfileEntry(string Op, int Calls, TimeSpan Time, long Bytes)
{
    /// <summary>Bytes moved per second (0 when no time was measured).</summary>
    public double BytesPerSecond => Time > TimeSpan.Zero ? Bytes / Time.TotalSeconds : 0;
}
