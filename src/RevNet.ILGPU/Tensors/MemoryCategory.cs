namespace RevNet.ILGPU.Tensors;

/// <summary>What a pooled buffer is used for; the pool counts current and peak bytes per category.</summary>
public enum MemoryCategory
{
    /// <summary>Layer weights and biases, BN running statistics.</summary>
    Parameters,

    /// <summary>Parameter gradients.</summary>
    Gradients,

    /// <summary>Optimizer state (momentum, Adam moments).</summary>
    OptimizerState,

    /// <summary>Activations kept between forward and backward, and the outputs that flow between layers.</summary>
    Activations,

    /// <summary>Short-lived scratch: im2col panels, activation gradients, inputs batches.</summary>
    Workspace,
}
