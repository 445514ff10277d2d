namespace RevNet.ILGPU.Data;

/// <summary>
/// Loads MNIST-layout folders (Fashion-MNIST and MNIST share the file names): <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally
/// with a <c>.gz</c> suffix. The repository ships Fashion-MNIST in <c>data/fashion-mnist</c>.
/// </summary>
public static class FashionMnist
{
    /// <summary>The bundled dataset's folder, relative to the repository root.</summary>
    public const string BundledFolder = "data/fashion-mnist";

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads both splits, pixels scaled to [0, 1] (not normalised).</summary>
    /// <param name="directory">The folder holding the four files.</param>
    /// <returns>The training split (60,000 images for Fashion-MNIST) and the test split (10,000).</returns>
    /// <exception cref="FileNotFoundException">A file is missing (the message lists the names looked for).</exception>
    /// <exception cref="DataFormatException">A file is corrupt or the files disagree.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory) => (LoadSplit(directory, train: true), LoadSplit(directory, train: false));

    /// <summary>Loads one split.</summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <param name="train">True for the training split, false for the test split.</param>
    /// <param name="maxImages">Read only the first this many images (quick runs); the rest of the files is not checked.</param>
    /// <param name="notice">Receives a warning when a <see cref="DatasetManifest"/> limits the split because of a known
    /// defect of its files.</param>
    /// <returns>The dataset, pixels scaled to [0, 1].</returns>
    /// <remarks>When the folder holds a <c>MANIFEST.json</c>, both files of the split are first checked against its
    /// sizes and SHA-256 sums, the image count the files declare is checked against the manifest's expected count (a
    /// short split is an error), and a split with a known defect is cut to the manifest's usable count, with a notice.
    /// Without a manifest the files are read strictly: a file that holds less than its header declares is rejected.
    /// The bundled <c>data/fashion-mnist</c> is the complete official release (60,000 + 10,000 images).</remarks>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="DataFormatException">A file is corrupt, the files disagree, a file differs from the manifest,
    /// or the split holds fewer images than the manifest expects.</exception>
    public static Dataset LoadSplit(string directory, bool train, int maxImages = int.MaxValue, Action<string>? notice = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxImages);
        string split = train ? "train" : "test";
        string prefix = train ? "train" : "t10k";
        string images = Find(directory, $"{prefix}-images-idx3-ubyte");
        string labels = Find(directory, $"{prefix}-labels-idx1-ubyte");
        DatasetManifest? manifest = DatasetManifest.TryRead(directory);
        int expected = 0;
        if (manifest is not null)
        {
            manifest.Verify(images);
            manifest.Verify(labels);
            manifest.ExpectedImages.TryGetValue(split, out expected);
            if (manifest.UsableImages.TryGetValue(split, out int usable) && usable < maxImages)
            {
                maxImages = usable;
                notice?.Invoke(
                    $"{prefix} files in {directory} have a known defect ({manifest.Path}); using the first {usable:N0} "
                    + "image/label pairs, which are verified to line up.");
            }
        }

        IdxFile labelFile = IdxReader.Read(labels, maxImages);
        IdxFile imageFile = IdxReader.Read(images, maxImages);
        if (expected > 0)
        {
            foreach (IdxFile f in new[] { imageFile, labelFile })
            {
                if (f.DeclaredRecords != expected)
                {
                    throw new DataFormatException(
                        f.Path,
                        4,
                        $"declares {f.DeclaredRecords:N0} records but {manifest!.Path} expects {expected:N0} in the {split} split: "
                        + "the split is incomplete; restore the complete files or update the manifest");
                }
            }
        }

        return Dataset.FromIdx(imageFile, labelFile, 10);
    }

    /// <summary>
    /// Finds the bundled <c>data/fashion-mnist</c> folder: looks in the working directory, the application's folder
    /// and each of their parents.
    /// </summary>
    /// <returns>The folder, or null when none holds the training images.</returns>
    public static string? LocateBundled()
    {
        foreach (string? start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, BundledFolder);
                if (TryFind(candidate, "train-images-idx3-ubyte") is not null)
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string Find(string directory, string stem) =>
        TryFind(directory, stem)
        ?? throw new FileNotFoundException(
            $"{Path.Combine(directory, stem)}(.gz) not found; the folder must hold train-images-idx3-ubyte, "
            + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz).",
            Path.Combine(directory, stem));

    private static string? TryFind(string directory, string stem)
    {
        foreach (string name in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx", StringComparison.Ordinal) })
        {
            string path = Path.Combine(directory, name);
            if (Path.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
