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
    long NewAllocations)
{
    /// <summary>The Reconstruct floor 1 + T_fwd / (T_fwd + T_bwd) implied by this row's times.</summary>
    public double RecomputeFloor => 1 + (ForwardMs / (ForwardMs + BackwardMs));
}
