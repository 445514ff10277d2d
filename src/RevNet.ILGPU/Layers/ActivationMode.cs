namespace RevNet.ILGPU.Layers;

/// <summary>How a <see cref="Sequential"/> keeps activations for backward during a training step.</summary>
public enum ActivationMode
{
    /// <summary>
    /// An ordinary network: every layer keeps what its backward needs. The reference path, and the ResNet baseline.
    /// </summary>
    Store,

    /// <summary>
    /// Memory-free backward through runs of invertible layers: forward keeps no activation inside a run, backward
    /// rebuilds each block's input from its output (one recompute of F and of G per block serves both the
    /// reconstruction and the gradient). Non-invertible composite layers keep only their input and recompute
    /// their internals in backward.
    /// </summary>
    Reconstruct,
}
