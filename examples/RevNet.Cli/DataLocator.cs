using RevNet.ILGPU.Data;

namespace RevNet.Cli;

/// <summary>Finds the dataset folder: <c>--data</c>, or the bundled Fashion-MNIST.</summary>
internal static class DataLocator
{
    public static string Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            if (!Directory.Exists(option))
            {
                throw new CliException($"the data folder '{option}' does not exist.");
            }

            return option;
        }

        return FashionMnist.LocateBundled()
            ?? throw new CliException(
                $"the bundled Fashion-MNIST ({FashionMnist.BundledFolder}) was not found in the current directory, the "
                + "app's folder or any of their parents; pass --data DIR.");
    }

    /// <summary>
    /// Loads one split, normalised with the statistics every command shares. With a limit only the first images are
    /// read (and checked). A folder's <c>MANIFEST.json</c> may cut a split with a known defect; the notice says so.
    /// </summary>
    public static Dataset Load(string folder, bool train, int? limit, TextWriter notices)
    {
        Dataset data = FashionMnist.LoadSplit(folder, train, limit ?? int.MaxValue, message => notices.WriteLine("note: " + message));
        data.Normalize(NormalizationFor(data));
        return data;
    }

    /// <summary>
    /// Fixed statistics (so that <c>eval</c> normalises exactly as <c>train</c> did): Fashion-MNIST's for one channel,
    /// CIFAR-10's for three.
    /// </summary>
    private static Normalization NormalizationFor(Dataset data) => data.Channels switch
    {
        1 => Normalization.FashionMnist,
        3 => Normalization.Cifar10,
        _ => throw new CliException($"images with {data.Channels} channels are not supported (1 or 3 expected)."),
    };
}
