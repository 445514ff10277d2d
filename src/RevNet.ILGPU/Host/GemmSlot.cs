namespace RevNet.ILGPU.Host;

/// <summary>
/// The independent buffers of a <see cref="GemmScratch"/>. "Worker" slots are used inside one work item of a
/// parallel loop; "orchestrator" slots hold data that the calling thread prepares and every worker reads, so a
/// calling thread that also runs work items never overwrites its own shared data.
/// </summary>
internal enum GemmSlot
{
    /// <summary>Worker: packed A block (MC x KC).</summary>
    PackA,

    /// <summary>Worker: packed B block (KC x NC) or one B panel.</summary>
    PackB,

    /// <summary>Worker: a zero-padded input image.</summary>
    Image,

    /// <summary>Worker: the im2col matrix of the general backward-input path.</summary>
    Column,

    /// <summary>Orchestrator: prepacked A (convolution weights, or a GEMM's A shared by column chunks).</summary>
    SharedA,

    /// <summary>Orchestrator: prepacked B of a GEMM shared by row chunks.</summary>
    SharedB,

    /// <summary>Orchestrator: the flipped, transposed weights of the stride-1 backward-input path.</summary>
    FlippedWeights,

    /// <summary>Orchestrator: the accumulator tiles of the weight gradient.</summary>
    Accumulator,

    /// <summary>Orchestrator: padded inputs and transposed output gradients of the weight-gradient path.</summary>
    SharedImages,

    /// <summary>The number of slots.</summary>
    Count,
}
