namespace RevNet.ILGPU.Layers;

/// <summary>What a <see cref="LayerCapture"/> copies from each selected layer.</summary>
public enum CaptureKind
{
    /// <summary>The input the forward saw.</summary>
    Input,

    /// <summary>The output of the forward.</summary>
    Output,

    /// <summary>dL/d(output), in backward.</summary>
    OutputGradient,

    /// <summary>dL/d(input), in backward.</summary>
    InputGradient,

    /// <summary>The input a rebuilt layer reconstructed from its output in backward (Reconstruct mode).</summary>
    RebuiltInput,
}
