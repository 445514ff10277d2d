using RevNet.ILGPU.Data;
using SkiaSharp;

namespace RevNet.Cli.Prediction;

/// <summary>One image to classify: where it came from and its pixels in [0, 1], [C, S, S].</summary>
internal sealed record InputImage(string Source, float[] Pixels);

/// <summary>Turns the command's inputs (image files, folders of images, IDX image files) into model-sized images.</summary>
internal static class ImageInputs
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Expands folders (their image files, sorted by name) and keeps files as given.</summary>
    public static List<string> Expand(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                string[] images = [.. Directory.GetFiles(input)
                    .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)];
                if (images.Length == 0)
                {
                    throw new CliException($"the folder '{input}' holds no image files ({string.Join(", ", ImageExtensions)}).");
                }

                files.AddRange(images);
            }
            else
            {
                files.Add(InputFiles.Require("the input", input));
            }
        }

        return files;
    }

    /// <summary>Reads one input file: an IDX image file (gzip or raw) gives many images, any other file is decoded as an image.</summary>
    public static IEnumerable<InputImage> Read(string path, int channels, int size, int? limit)
    {
        if (IsIdx(path))
        {
            IdxFile idx = IdxReader.Read(path, limit ?? int.MaxValue);
            IReadOnlyList<int> d = idx.Dimensions;
            int c = d.Count == 4 ? d[1] : 1;
            if (d.Count is not (3 or 4) || c != channels || d[^1] != size || d[^2] != size)
            {
                throw new CliException(
                    $"{path} holds images of shape [{string.Join(", ", d.Skip(1))}] but the model expects {channels}x{size}x{size}.");
            }

            int sample = channels * size * size;
            for (int i = 0; i < d[0]; i++)
            {
                float[] pixels = new float[sample];
                for (int k = 0; k < sample; k++)
                {
                    pixels[k] = idx.Data[(i * sample) + k] / 255f;
                }

                yield return new InputImage($"{Path.GetFileName(path)}[{i}]", pixels);
            }

            yield break;
        }

        yield return new InputImage(path, Decode(path, channels, size));
    }

    /// <summary>Decodes PNG/JPEG/..., resizes to size x size and converts to grayscale (1 channel) or RGB (3).</summary>
    public static float[] Decode(string path, int channels, int size)
    {
        if (channels is not (1 or 3))
        {
            throw new CliException($"images can be fed only to 1- or 3-channel models; this one has {channels} channels.");
        }

        using SKBitmap? decoded = DecodeFile(path);
        if (decoded is null)
        {
            throw new CliException($"cannot decode '{path}' as an image (PNG, JPEG, BMP, GIF or WebP expected).");
        }

        using SKBitmap rgba = decoded.Copy(SKColorType.Rgba8888) ?? throw new CliException($"cannot convert '{path}' to RGBA.");
        using SKBitmap resized = rgba.Width == size && rgba.Height == size
            ? rgba.Copy()
            : rgba.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
              ?? throw new CliException($"cannot resize '{path}' to {size}x{size}.");
        float[] pixels = new float[channels * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                SKColor p = resized.GetPixel(x, y);
                int i = (y * size) + x;
                if (channels == 1)
                {
                    pixels[i] = ((0.299f * p.Red) + (0.587f * p.Green) + (0.114f * p.Blue)) / 255f;
                }
                else
                {
                    pixels[i] = p.Red / 255f;
                    pixels[plane + i] = p.Green / 255f;
                    pixels[(2 * plane) + i] = p.Blue / 255f;
                }
            }
        }

        return pixels;
    }

    /// <summary>Decodes from a stream opened here: SkiaSharp's own open of a path would block on a FIFO.</summary>
    private static SKBitmap? DecodeFile(string path)
    {
        using FileStream file = RegularFile.OpenRead(path);
        return SKBitmap.Decode(file);
    }

    private static bool IsIdx(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        return name.Contains("-idx", StringComparison.Ordinal) || name.Contains(".idx", StringComparison.Ordinal)
            || name.EndsWith(".gz", StringComparison.Ordinal);
    }
}
