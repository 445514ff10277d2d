using RevNet.ILGPU.Data;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Support;

/// <summary>Drives a <see cref="Trainer"/> the way the training tests do: step losses recorded, optional resume and save.</summary>
public static class TrainerRun
{
    /// <summary>Subscribes to <see cref="Trainer.Progress"/> and returns the list every step's loss is appended to.</summary>
    public static List<float> RecordStepLosses(Trainer trainer)
    {
        var losses = new List<float>();
        trainer.Progress += (_, p) =>
        {
            if (p.Kind == ProgressKind.Step)
            {
                losses.Add(p.Loss);
            }
        };

        return losses;
    }

    /// <summary>
    /// Loads <paramref name="resumeFrom"/> when given, fits on <paramref name="train"/> (evaluating on
    /// <paramref name="test"/>), then saves to <paramref name="saveTo"/> when given; returns the step losses of this run.
    /// </summary>
    public static (List<float> Losses, TrainingResult Result) Fit(
        Trainer trainer, BatchLoader train, BatchLoader test, string? resumeFrom, string? saveTo)
    {
        List<float> losses = RecordStepLosses(trainer);
        if (resumeFrom is not null)
        {
            trainer.LoadCheckpoint(resumeFrom, train);
        }

        TrainingResult result = trainer.Fit(train, test);
        if (saveTo is not null)
        {
            trainer.SaveCheckpoint(saveTo, train);
        }

        return (losses, result);
    }
}
