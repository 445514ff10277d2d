using System.Diagnostics;
using System.Runtime.CompilerServices;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Onnx.Tests;

/// <summary>examples/RevNet.Examples.OnnxInference classifies an image as ONNX Runtime does on the same pixels.</summary>
public sealed class InferenceExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("revnet-onnx-example-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public void Example_ClassifiesABitmap_AsOnnxRuntimeDoes()
    {
        string? example = ExampleDll();
        Skip.If(example is null, "examples/RevNet.Examples.OnnxInference is not built (build the solution first)");
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using Model model = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist with { Seed = 4 });
        OnnxParity.RandomizeAndCalibrate(device, model, model.InputShape(4), seed: 1);
        string onnx = Path.Combine(_dir, "model.onnx");
        model.ExportOnnx(onnx, new OnnxExportOptions { ClassNames = FashionMnist.ClassNames });

        // A 28x28 gray bitmap written by hand (24-bit BMP, rows bottom-up, padded to 4 bytes).
        byte[] gray = [.. Enumerable.Range(0, 784).Select(i => (byte)((i * 37 % 251) ^ (i / 28 * 9)))];
        string bmp = Path.Combine(_dir, "image.bmp");
        File.WriteAllBytes(bmp, Bitmap24(gray, 28));
        float[] x = [.. gray.Select(v => (v / 255f - 0.2860f) / 0.3530f)];
        float[] logits = OnnxParity.RunOnnx(File.ReadAllBytes(onnx), new Shape(1, 1, 28, 28), x);
        string expected = FashionMnist.ClassNames[OnnxParity.ArgMax(logits, 10)[0]];

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { example!, onnx, bmp })
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        process.ExitCode.Should().Be(0, stderr);
        stdout.Trim().Should().StartWith(expected + " (").And.EndWith("%)");
    }

    private static byte[] Bitmap24(byte[] gray, int size)
    {
        int row = ((size * 3) + 3) & ~3;
        byte[] bmp = new byte[54 + (row * size)];
        "BM"u8.CopyTo(bmp);
        BitConverter.GetBytes(bmp.Length).CopyTo(bmp, 2);
        BitConverter.GetBytes(54).CopyTo(bmp, 10);
        BitConverter.GetBytes(40).CopyTo(bmp, 14);
        BitConverter.GetBytes(size).CopyTo(bmp, 18);
        BitConverter.GetBytes(size).CopyTo(bmp, 22);
        BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
        BitConverter.GetBytes((short)24).CopyTo(bmp, 28);
        for (int y = 0; y < size; y++)
        {
            int at = 54 + ((size - 1 - y) * row);
            for (int x = 0; x < size; x++)
            {
                byte v = gray[(y * size) + x];
                bmp[at + (3 * x)] = v;
                bmp[at + (3 * x) + 1] = v;
                bmp[at + (3 * x) + 2] = v;
            }
        }

        return bmp;
    }

    /// <summary>The example's built assembly in the repository's artifacts folder (same configuration as this test).</summary>
    private static string? ExampleDll([CallerFilePath] string here = "")
    {
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
        string testBin = AppContext.BaseDirectory; // .../artifacts/bin/RevNet.ILGPU.Onnx.Tests/<config>/
        string config = new DirectoryInfo(testBin).Name;
        string artifacts = Path.GetFullPath(Path.Combine(testBin, "..", ".."));
        foreach (string candidate in new[]
        {
            Path.Combine(artifacts, "RevNet.Examples.OnnxInference", config, "RevNet.Examples.OnnxInference.dll"),
            Path.Combine(root, "artifacts", "bin", "RevNet.Examples.OnnxInference", config, "RevNet.Examples.OnnxInference.dll"),
        })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
