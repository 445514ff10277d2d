namespace RevNet.ILGPU.Layers;

/// <summary>Questions every layer asks of a <see cref="ForwardMode"/>.</summary>
public static class ForwardModes
{
    /// <summary>Whether a layer run in this mode keeps what its Backward needs (Train, Recompute).</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>True for <see cref="ForwardMode.Train"/> and <see cref="ForwardMode.Recompute"/>.</returns>
    public static bool KeepsForBackward(this ForwardMode mode) => mode is ForwardMode.Train or ForwardMode.Recompute;

    /// <summary>Whether batch statistics are computed (and running statistics updated) in this mode.</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>True for <see cref="ForwardMode.Train"/> and <see cref="ForwardMode.TrainNoSave"/>.</returns>
    public static bool UpdatesStatistics(this ForwardMode mode) => mode is ForwardMode.Train or ForwardMode.TrainNoSave;

    /// <summary>Whether this is a training-time mode (anything but <see cref="ForwardMode.Inference"/>).</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>False only for inference.</returns>
    public static bool IsTraining(this ForwardMode mode) => mode != ForwardMode.Inference;

    /// <summary>The mode of the short form <c>Forward(input, training)</c>.</summary>
    /// <param name="training">True for a training forward.</param>
    /// <returns><see cref="ForwardMode.Train"/> or <see cref="ForwardMode.Inference"/>.</returns>
    public static ForwardMode Of(bool training) => training ? ForwardMode.Train : ForwardMode.Inference;
}
