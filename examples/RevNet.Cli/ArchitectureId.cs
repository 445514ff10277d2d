using System.Globalization;
using RevNet.ILGPU.Models;

namespace RevNet.Cli;

/// <summary>
/// The architecture id the app writes into checkpoints: <c>name/CxHxW/classes</c>, e.g. <c>revnet-small/1x28x28/10</c>,
/// so <c>eval</c> can rebuild the model from the checkpoint alone and a checkpoint never loads into another model.
/// </summary>
internal static class ArchitectureId
{
    public static string For(string modelName, ModelOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"{modelName.ToLowerInvariant()}/{options.InputChannels}x{options.ImageSize}x{options.ImageSize}/{options.Classes}");

    /// <summary>Parses an id written by <see cref="For"/>; null when it is not one.</summary>
    public static (string Model, ModelOptions Options)? TryParse(string id)
    {
        string[] parts = id.Split('/');
        if (parts.Length != 3)
        {
            return null;
        }

        string[] dims = parts[1].Split('x');
        if (dims.Length != 3
            || !int.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out int c)
            || !int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || !int.TryParse(dims[2], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || h != w
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int classes)
            || !ModelZoo.Names.Contains(parts[0], StringComparer.Ordinal))
        {
            return null;
        }

        return (parts[0], new ModelOptions { InputChannels = c, ImageSize = h, Classes = classes });
    }
}
