using System.Security.Cryptography;
using System.Text.Json;

namespace RevNet.ILGPU.Data;

/// <summary>
/// The optional <c>MANIFEST.json</c> beside a dataset: the SHA-256 (and optionally the byte size) of each file, how
/// many images each split must hold, and, for files with known defects, how many leading samples are usable. Loading
/// through a manifest verifies every file first, so a swapped, damaged or short file is reported instead of being
/// trained on.
/// </summary>
/// <remarks>
/// Form: <c>{"files": {"name": "sha256" | {"sha256": "...", "bytes": N}}, "images": {"train": N, "test": N},
/// "usableImages": {"train": N}, "defects": ["..."]}</c>; only <c>files</c> is required.
/// </remarks>
public sealed class DatasetManifest
{
    /// <summary>The manifest's file name.</summary>
    public const string FileName = "MANIFEST.json";

    private DatasetManifest(
        string path,
        IReadOnlyDictionary<string, string> files,
        IReadOnlyDictionary<string, long> sizes,
        IReadOnlyDictionary<string, int> images,
        IReadOnlyDictionary<string, int> usable,
        IReadOnlyList<string> defects)
    {
        Path = path;
        Files = files;
        FileSizes = sizes;
        ExpectedImages = images;
        UsableImages = usable;
        Defects = defects;
    }

    /// <summary>Where the manifest was read from.</summary>
    public string Path { get; }

    /// <summary>File name → expected SHA-256 (lower-case hex).</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>File name → expected size in bytes, for the files whose entry records one.</summary>
    public IReadOnlyDictionary<string, long> FileSizes { get; }

    /// <summary>Split ("train"/"test") → how many images its files must declare; a short split is an error.</summary>
    public IReadOnlyDictionary<string, int> ExpectedImages { get; }

    /// <summary>Split ("train"/"test") → how many leading samples may be used.</summary>
    public IReadOnlyDictionary<string, int> UsableImages { get; }

    /// <summary>Known defects of the files, in words.</summary>
    public IReadOnlyList<string> Defects { get; }

    /// <summary>Reads the manifest of a dataset folder, or returns null when the folder has none.</summary>
    /// <param name="directory">The dataset folder.</param>
    /// <returns>The manifest or null.</returns>
    /// <exception cref="DataFormatException">The manifest is not valid JSON of the expected form.</exception>
    public static DatasetManifest? TryRead(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        if (!System.IO.Path.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(RegularFile.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (JsonProperty p in root.GetProperty("files").EnumerateObject())
            {
                bool entry = p.Value.ValueKind == JsonValueKind.Object;
                files[p.Name] = Sha256(entry ? p.Value.GetProperty("sha256") : p.Value, p.Name);
                if (entry && p.Value.TryGetProperty("bytes", out JsonElement bytes))
                {
                    sizes[p.Name] = bytes.GetInt64() >= 0
                        ? bytes.GetInt64()
                        : throw new FormatException($"files.{p.Name}.bytes is {bytes.GetInt64()}; a size cannot be negative");
                }
            }

            var defects = new List<string>();
            if (root.TryGetProperty("defects", out JsonElement d))
            {
                defects.AddRange(d.EnumerateArray().Select(e => e.GetString() ?? string.Empty));
            }

            return new DatasetManifest(path, files, sizes, Counts(root, "images"), Counts(root, "usableImages"), defects);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DataFormatException(path, 0, $"not a valid dataset manifest: {ex.Message}", false, ex);
        }
    }

    /// <summary>Checks a file's size and SHA-256 against the manifest.</summary>
    /// <param name="filePath">The data file.</param>
    /// <exception cref="DataFormatException">The manifest does not list the file, or its size or contents differ.</exception>
    public void Verify(string filePath)
    {
        string name = System.IO.Path.GetFileName(filePath);
        if (!Files.TryGetValue(name, out string? expected))
        {
            throw new DataFormatException(filePath, 0, $"not listed in {Path}; add its SHA-256 or remove the manifest");
        }

        string actual;
        using (FileStream s = RegularFile.OpenRead(filePath))
        {
            if (FileSizes.TryGetValue(name, out long size) && s.Length != size)
            {
                throw new DataFormatException(
                    filePath,
                    Math.Min(s.Length, size),
                    $"the file has {s.Length} bytes but {Path} records {size}: the file was changed, truncated or damaged; "
                    + "restore it or update the manifest");
            }

            actual = Convert.ToHexStringLower(SHA256.HashData(s));
        }

        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new DataFormatException(
                filePath,
                0,
                $"SHA-256 {actual} differs from {expected} in {Path}: the file was changed or damaged; restore it or update the manifest");
        }
    }

    /// <summary>A SHA-256 as 64 hex digits (either case), lower-cased.</summary>
    private static string Sha256(JsonElement value, string file)
    {
        string? hex = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return hex is { Length: 64 } && hex.All(char.IsAsciiHexDigit)
            ? hex.ToLowerInvariant()
            : throw new FormatException($"the SHA-256 of {file} must be 64 hex digits, got {value.GetRawText()}");
    }

    private static Dictionary<string, int> Counts(JsonElement root, string property)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty(property, out JsonElement e))
        {
            foreach (JsonProperty p in e.EnumerateObject())
            {
                counts[p.Name] = p.Value.GetInt32() > 0
                    ? p.Value.GetInt32()
                    : throw new FormatException($"{property}.{p.Name} is {p.Value.GetInt32()}; an image count must be at least 1");
            }
        }

        return counts;
    }
}
