using System.Globalization;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Training;

namespace RevNet.Cli;

/// <summary>
/// Words the library's errors in the app's terms, from their fields: the advice names flags (<c>--batch</c>,
/// <c>--mode</c>, <c>--lr</c>), not API types, and step counts are 1-based throughout, as in the progress lines.
/// </summary>
internal static class LibraryErrors
{
    private const string Diverged = "the training diverged: lower --lr or add --warmup steps.";

    /// <summary>Out of device memory: what was asked for, what was in use, and the flag to change.</summary>
    /// <param name="ex">The error.</param>
    /// <param name="mode">The activation mode of the training that failed, when known; advice to switch to
    /// reconstruct is given only in store mode.</param>
    public static string OutOfMemory(DeviceOutOfMemoryException ex, ActivationMode? mode)
    {
        if (ex.RequestedBytes <= 0)
        {
            return "out of device memory: " + ex.Message;
        }

        string at = ex.Batch is int batch ? $" at --batch {batch}" : string.Empty;
        string advice = ex.SuggestedMaxBatch switch
        {
            > 0 and int fits => $"the largest batch that fits is {fits}: run with --batch {fits}",
            0 => "not even one image fits: try a smaller --model",
            _ => "try a smaller --batch",
        };
        if (mode == ActivationMode.Store)
        {
            advice += ", or --mode reconstruct";
        }

        return $"out of device memory{at}: asked for {Units.Mib(ex.RequestedBytes)} with {Units.Mib(ex.InUseBytes)} in use "
            + $"of the {Units.Mib(ex.CapacityBytes)} budget; {advice}.";
    }

    /// <summary>A NaN or infinite loss or gradient: where (1-based epoch, step in the epoch and step of the run).</summary>
    public static string NonFinite(NonFiniteValueException ex) =>
        ex.TensorName.Length == 0
            ? ex.Message
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{Describe(ex.Value)} in {ex.TensorName} at epoch {ex.Epoch}, step {ex.Step} (step {ex.GlobalStep + 1} of the run); {Diverged}");

    /// <summary>A NaN or infinity in an activation rebuilt in reconstruct mode.</summary>
    public static string NonFinite(NonFiniteActivationException ex) =>
        ex.TensorName.Length == 0
            ? ex.Message
            : $"{Describe(ex.Value)} in the {ex.TensorName} of layer {ex.LayerIndex} ({ex.LayerName}), rebuilt in --mode reconstruct; "
                + "the weights went non-finite: lower --lr, or train with --mode store to locate the fault.";

    private static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";
}
