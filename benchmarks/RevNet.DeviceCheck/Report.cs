using System.Text.Encodings.Web;
using System.Text.Json;
using RevNet.ILGPU.Training;

namespace RevNet.DeviceCheck;

/// <summary>Everything the check measured, written as JSON (atomically).</summary>
internal sealed record Report(
    string Device, string DeviceKind, string? Driver, IReadOnlyList<string> Probes, IReadOnlyList<OpResult> Ops,
    IReadOnlyList<KernelTime> Kernels, IReadOnlyList<TrainingTime> Training)
{
    public void Write(string path)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("device", Device);
            json.WriteString("deviceKind", DeviceKind);
            json.WriteString("driver", Driver);
            json.WriteString("utc", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteStartArray("probes");
            foreach (string probe in Probes)
            {
                json.WriteStringValue(probe);
            }

            json.WriteEndArray();
            json.WriteNumber("opTolerance", OpResult.Tolerance);
            Array(json, "ops", Ops, (j, o) =>
            {
                j.WriteString("op", o.Name);
                j.WriteString("shape", o.Shape);
                Number(j, "maxRelativeError", o.MaxRelativeError);
                j.WriteBoolean("ok", o.Ok);
            });
            Array(json, "kernels", Kernels, (j, k) =>
            {
                j.WriteString("problem", k.Problem);
                j.WriteString("kernels", k.Kernels);
                Number(j, "milliseconds", k.Milliseconds);
                Number(j, "gflops", k.Gflops);
            });
            Array(json, "training", Training, (j, t) =>
            {
                j.WriteString("model", t.Model);
                j.WriteString("mode", t.Mode);
                j.WriteNumber("batch", t.Batch);
                Number(j, "medianStepMilliseconds", t.MedianStepMilliseconds);
                Number(j, "loss", t.Loss);
                j.WriteNumber("poolPeakInUseBytes", t.PeakInUseBytes);
                j.WriteNumber("poolAllocatedBytes", t.AllocatedBytes);
            });
            json.WriteEndObject();
        }

        AtomicFile.WriteAllBytes(path, buffer.ToArray());
    }

    private static void Array<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        json.WriteStartArray(name);
        foreach (T item in items)
        {
            json.WriteStartObject();
            write(json, item);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>JSON has no NaN or infinity: those are written as null.</summary>
    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
