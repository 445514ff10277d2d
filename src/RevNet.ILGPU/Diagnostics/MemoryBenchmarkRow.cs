namespace RevNet.ILGPU.Diagnostics;

/// <summary>One measured configuration of <see cref="MemoryBenchmark"/>.</summary>
/// <param name="Model">The model name (e.g. <c>revnet110</c>).</param>
/// <param name="Depth">The model's depth.</param>
/// <param name="Mode"><c>store</c> or <c>reconstruct</c>.</param>
/// <param name="Batch">The batch size.</param>
/// <param name="ActivationPeakBytes">Peak bytes of the Activations category during a step.</param>
/// <param name="TotalPeakBytes">Peak bytes rented from the pool during a step (weights, gradients, optimizer state,
/// activations and workspace).</param>
/// <param name="ForwardMs">Median forward time.</param>
/// <param name="BackwardMs">Median backward time (loss gradient included).</param>
/// <param name="StepMs">Median time of a whole step (zero gradients, forward, loss, backward, SGD).</param>
/// <param name="NewAllocations">Buffers the pool allocated during the measured steps (0 once warm).</param>
/// <param name="ReservedPeakBytes">Peak bytes the pool held from the device during the measured steps (the step arena,
/// cached blocks, parameters and state).</param>
/// <param name="ProcessGrowthBytes">Host: growth of the process's peak resident set from before the first step to the
/// end of the measured steps; GPU: device memory in use (from the driver) at the end; 0 when unknown.</param>
/// <param name="InputPixels">Pixels of one batch (batch x height x width), for bytes per input pixel.</param>
public sealed record MemoryBenchmarkRow(
    string Model,
    int Depth,
    string Mode,
    int Batch,
    long ActivationPeakBytes,
    long TotalPeakBytes,
    double ForwardMs,
    double BackwardMs,
    double StepMs,
    long NewAllocations,
    long ReservedPeakBytes = 0,
    long ProcessGrowthBytes = 0,
    long InputPixels = 0)
{
    /// <summary>Reserved peak bytes per input pixel of the batch (0 when unknown).</summary>
    public double BytesPerPixel => InputPixels > 0 ? (double)ReservedPeakBytes / InputPixels : 0;

    /// <summary>Reserved over live peak: how much more the pool holds than the step uses.</summary>
    public double ReservedOverLive => TotalPeakBytes > 0 ? (double)ReservedPeakBytes / TotalPeakBytes : 0;

    /// <summary>The Reconstruct floor 1 + T_fwd / (T_fwd + T_bwd) implied by this row's times.</summary>
    public double RecomputeFloor => 1 + (ForwardMs / (ForwardMs + BackwardMs));
}
