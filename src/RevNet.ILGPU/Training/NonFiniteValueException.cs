namespace RevNet.ILGPU.Training;

/// <summary>
/// Training met a NaN or infinite value: the loss, or (with <see cref="TrainerOptions.CheckGradients"/>) a
/// parameter gradient. Names the epoch, the step and the tensor.
/// </summary>
public sealed class NonFiniteValueException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteValueException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public NonFiniteValueException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NonFiniteValueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a value found during training.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="step">The batch within the epoch, from 1.</param>
    /// <param name="globalStep">The global step (0-based) being computed.</param>
    /// <param name="tensorName">What held the value: <c>loss</c> or a gradient such as <c>stage1.conv.weight.grad</c>.</param>
    /// <param name="value">The value (NaN or ±∞).</param>
    public NonFiniteValueException(int epoch, int step, long globalStep, string tensorName, float value)
        : base(
            $"{(float.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity")} in {tensorName} at epoch {epoch}, step {step} "
            + $"(global step {globalStep}). Lower the learning rate, or use NonFinitePolicy.SkipBatch to skip such batches.")
    {
        Epoch = epoch;
        Step = step;
        GlobalStep = globalStep;
        TensorName = tensorName;
        Value = value;
    }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch, from 1.</summary>
    public int Step { get; }

    /// <summary>The global step (0-based).</summary>
    public long GlobalStep { get; }

    /// <summary>The tensor that held the value.</summary>
    public string TensorName { get; } = string.Empty;

    /// <summary>The value.</summary>
    public float Value { get; }
}
