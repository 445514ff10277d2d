using System.Reflection;
using System.Text.Json;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.Cli;

/// <summary>Turns an exception into one <c>error: ...</c> line and an exit code.</summary>
internal static class ErrorReport
{
    /// <summary>Writes the error line (and, with <c>--verbose</c>, the stack trace).</summary>
    /// <returns>The exit code.</returns>
    public static int Write(Exception exception, CliContext context)
    {
        Exception ex = Unwrap(exception);
        (string message, int code) = Classify(ex, context.TrainingMode);
        context.Error.WriteLine("error: " + OneLine(message));
        if (context.Verbose)
        {
            context.Error.WriteLine(ex.ToString());
        }

        return code;
    }

    /// <summary>The message and exit code for an exception.</summary>
    /// <param name="exception">The error.</param>
    /// <param name="trainingMode">The activation mode of the training that was running, if any (for the advice).</param>
    public static (string Message, int ExitCode) Classify(Exception exception, ActivationMode? trainingMode = null)
    {
        Exception ex = Unwrap(exception);
        return ex switch
        {
            CliException cli => (cli.Message, cli.ExitCode),
            OperationCanceledException => ("cancelled.", ExitCodes.Cancelled),
            DeviceOutOfMemoryException oom => (LibraryErrors.OutOfMemory(oom, trainingMode), ExitCodes.Failure),
            OutOfMemoryException => ("out of host memory; try a smaller --batch.", ExitCodes.Failure),
            NonFiniteValueException nonFinite => (LibraryErrors.NonFinite(nonFinite), ExitCodes.Failure),
            NonFiniteActivationException nonFinite => (LibraryErrors.NonFinite(nonFinite), ExitCodes.Failure),
            DataFormatException or CheckpointException or DeviceUnavailableException
                or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
                or InvalidDataException or JsonException or IOException => (ex.Message, ExitCodes.Failure),
            _ => ($"unexpected {ex.GetType().Name}: {ex.Message} This is a bug; run with --verbose for the stack trace.",
                ExitCodes.Internal),
        };
    }

    /// <summary>Collapses a message onto one line.</summary>
    public static string OneLine(string message)
    {
        string[] parts = message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', parts);
    }

    private static Exception Unwrap(Exception ex)
    {
        while (true)
        {
            Exception? inner = ex switch
            {
                AggregateException { InnerExceptions.Count: 1 } agg => agg.InnerExceptions[0],
                TargetInvocationException tie => tie.InnerException,
                TypeInitializationException tie => tie.InnerException,
                _ => null,
            };
            if (inner is null)
            {
                return ex;
            }

            ex = inner;
        }
    }
}
