using RevNet.ILGPU.Data;

namespace RevNet.Cli;

/// <summary>
/// The check of every file the app reads that a user named (checkpoints, ONNX files, memory rows, images): it exists
/// and is a regular file, so a folder or a FIFO is one clear line instead of a misleading "does not exist" or a hang.
/// </summary>
internal static class InputFiles
{
    /// <summary>Throws unless <paramref name="path"/> is an existing regular file.</summary>
    /// <param name="what">The file's role in the message, e.g. <c>the checkpoint</c>.</param>
    /// <param name="path">The path.</param>
    /// <returns>The path.</returns>
    /// <exception cref="CliException">Nothing exists at the path.</exception>
    /// <exception cref="NotRegularFileException">The path is a folder, a FIFO or a device.</exception>
    public static string Require(string what, string path)
    {
        if (!Path.Exists(path))
        {
            throw new CliException($"{what} '{path}' does not exist.");
        }

        RegularFile.ThrowIfNotRegular(path);
        return path;
    }
}
