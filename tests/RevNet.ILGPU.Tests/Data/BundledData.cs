using System.Runtime.CompilerServices;
using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

/// <summary>
/// The repository's bundled Fashion-MNIST. Found from the working directory, the test assembly's folder, or this
/// source file's location (the build may put the assembly outside the repository).
/// </summary>
public static class BundledData
{
    private const int CachedTrain = 8192;
    private const int CachedTest = 2048;
    private static readonly Lazy<Dataset> LazyTrain = new(() => FashionMnist.LoadSplit(Directory, train: true, CachedTrain));
    private static readonly Lazy<Dataset> LazyTest = new(() => FashionMnist.LoadSplit(Directory, train: false, CachedTest));

    public static string Directory => FashionMnist.LocateBundled() ?? FromSource();

    /// <summary>A normalised copy of training images [start, start + count) (count + start ≤ 8192).</summary>
    public static Dataset TrainSlice(int count, int start = 0) => Normalized(LazyTrain.Value.Slice(start, count));

    /// <summary>A normalised copy of the first <paramref name="count"/> test images (≤ 2048).</summary>
    public static Dataset TestSlice(int count) => Normalized(LazyTest.Value.Slice(0, count));

    private static Dataset Normalized(Dataset d)
    {
        d.Normalize(Normalization.FashionMnist);
        return d;
    }

    private static string FromSource([CallerFilePath] string here = "")
    {
        // tests/RevNet.ILGPU.Tests/Data/BundledData.cs → repository root is three folders up.
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
        return Path.Combine(root, FashionMnist.BundledFolder);
    }
}
