using System.Diagnostics;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Training;

/// <summary>
/// One training step of a classifier, the procedure every training loop repeats: zero the gradients, forward in
/// <see cref="ForwardMode.Train"/>, loss, backward, optimizer update. The trainer, the audit, the memory benchmark and
/// the memory model all run it; a custom loop needs only this.
/// </summary>
/// <example>
/// <code>
/// var step = new TrainingStep(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f, 0.9f));
/// foreach (var (x, labels) in batches) { StepResult r = step.Run(x, labels); Console.WriteLine(r.Loss); }
/// </code>
/// </example>
public sealed class TrainingStep
{
    /// <summary>Creates the step.</summary>
    /// <param name="model">The model; its output is [N, classes] (or [N, classes, 1, 1]).</param>
    /// <param name="loss">The loss.</param>
    /// <param name="optimizer">The optimizer, or null to leave the gradients for the caller.</param>
    public TrainingStep(ILayer model, ILoss loss, IOptimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        Model = model;
        Loss = loss;
        Optimizer = optimizer;
    }

    /// <summary>The model.</summary>
    public ILayer Model { get; }

    /// <summary>The loss.</summary>
    public ILoss Loss { get; }

    /// <summary>The optimizer (null: <see cref="Update"/> does nothing).</summary>
    public IOptimizer? Optimizer { get; }

    /// <summary>Wait for the device after the forward, the backward and the update and time each (default false).</summary>
    public bool Timed { get; init; }

    /// <summary>Keep dL/d(input) in <see cref="StepResult.InputGradient"/> (default false: disposed at once).</summary>
    public bool KeepInputGradient { get; init; }

    /// <summary>
    /// Zeroes the gradients, runs the forward, the loss and — when the loss is finite — the backward. The parameter
    /// gradients are then ready; call <see cref="Update"/> to apply them (or <see cref="Run"/> for both).
    /// </summary>
    /// <remarks>
    /// The step runs inside the pool's <see cref="BufferPool.BeginStep"/> / <see cref="BufferPool.EndStep"/> (ended by
    /// <see cref="Update"/>, or here when there is no optimizer): after the first step its memory comes from one planned
    /// arena and nothing more is allocated.
    /// </remarks>
    /// <param name="input">The batch (borrowed).</param>
    /// <param name="labels">One class per sample.</param>
    /// <returns>Loss, correct predictions and timings; with a non-finite loss the backward is skipped.</returns>
    /// <exception cref="InvalidOperationException">The model's output is not [N, classes].</exception>
    public StepResult Compute(Tensor input, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(input);
        BufferPool pool = input.Device.Pool;
        pool.BeginStep();
        StepResult result;
        try
        {
            result = ComputeInStep(input, labels);
        }
        catch
        {
            pool.AbandonStep();
            throw;
        }

        if (Optimizer is null)
        {
            pool.EndStep();
        }

        return result;
    }

    /// <summary>Applies the gradients with the optimizer (nothing without one) and ends the pool's step.</summary>
    /// <returns>Milliseconds spent (when <see cref="Timed"/>).</returns>
    public double Update()
    {
        if (Optimizer is null)
        {
            return 0;
        }

        long t0 = Stopwatch.GetTimestamp();
        Optimizer.Step(Model.Parameters);
        if (Model.Parameters.Count > 0)
        {
            Model.Parameters[0].Value.Device.Pool.EndStep();
        }

        return Timed && Model.Parameters.Count > 0 ? Ms(t0, Mark(Model.Parameters[0].Value)) : 0;
    }

    private StepResult ComputeInStep(Tensor input, ReadOnlySpan<int> labels)
    {
        Optimizer?.ZeroGradients(Model.Parameters);
        if (Optimizer is null)
        {
            foreach (Parameter p in Model.Parameters)
            {
                p.Gradient?.Clear();
            }
        }

        long t0 = Stopwatch.GetTimestamp();
        using Tensor logits = Model.Forward(input, ForwardMode.Train);
        Shape outputShape = AsMatrix(logits, labels.Length);
        long t1 = Mark(input);
        using Tensor gradient = input.Device.Pool.Rent(logits.Shape, MemoryCategory.Workspace);
        float loss = Loss.Compute(logits, labels, gradient);
        if (!float.IsFinite(loss))
        {
            return new StepResult(loss, 0, Ms(t0, t1), 0, 0, null);
        }

        int correct = CountCorrect(logits, labels);
        logits.Dispose();
        gradient.Reshape(outputShape);
        Tensor inputGradient = Model.Backward(gradient);
        long t2 = Mark(input);
        if (!KeepInputGradient)
        {
            inputGradient.Dispose();
        }

        return new StepResult(loss, correct, Ms(t0, t1), Ms(t1, t2), 0, KeepInputGradient ? inputGradient : null);
    }

    /// <summary><see cref="Compute"/>, then <see cref="Update"/> when the loss is finite.</summary>
    /// <param name="input">The batch (borrowed).</param>
    /// <param name="labels">One class per sample.</param>
    /// <returns>The step's result.</returns>
    public StepResult Run(Tensor input, ReadOnlySpan<int> labels)
    {
        StepResult r = Compute(input, labels);
        return r.IsFinite ? r with { UpdateMilliseconds = Update() } : r;
    }

    /// <summary>The index of the largest logit of each row (the first on ties).</summary>
    /// <param name="logits">Logits [N, classes].</param>
    /// <returns>N predicted classes.</returns>
    public static int[] Predict(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        float[] values = logits.ToArray();
        int n = logits.Shape[0];
        int k = (int)(logits.ElementCount / n);
        int[] predicted = new int[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = values.AsSpan(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++)
            {
                if (row[j] > row[best])
                {
                    best = j;
                }
            }

            predicted[i] = best;
        }

        return predicted;
    }

    /// <summary>Views logits [N, K, 1, 1] as [N, K]; returns the original shape.</summary>
    /// <param name="logits">The model's output.</param>
    /// <param name="n">The batch size.</param>
    /// <returns>The shape before the view.</returns>
    /// <exception cref="InvalidOperationException">The output is not [N, classes, ...].</exception>
    internal static Shape AsMatrix(Tensor logits, int n)
    {
        Shape original = logits.Shape;
        if (original.Rank != 2)
        {
            if (original[0] != n || logits.ElementCount % n != 0)
            {
                throw new InvalidOperationException($"The model returned {original}; expected [{n}, classes].");
            }

            logits.Reshape(new Shape(n, (int)(logits.ElementCount / n)));
        }

        return original;
    }

    /// <summary>Counts rows whose largest logit is the label.</summary>
    internal static int CountCorrect(Tensor logits, ReadOnlySpan<int> labels)
    {
        int[] predicted = Predict(logits);
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }

        return correct;
    }

    private long Mark(Tensor onDevice)
    {
        if (Timed)
        {
            onDevice.Device.Synchronize();
        }

        return Stopwatch.GetTimestamp();
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
