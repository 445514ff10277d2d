namespace RevNet.ILGPU.Data;

/// <summary>The contents of one IDX file of unsigned bytes (the MNIST / Fashion-MNIST format).</summary>
public sealed class IdxFile
{
    internal IdxFile(string path, int[] dimensions, byte[] data, int declaredRecords)
    {
        DeclaredRecords = declaredRecords;
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file (or stream name) it was read from.</summary>
    public string Path { get; }

    /// <summary>The dimensions, outermost first (e.g. [60000, 28, 28] for images, [60000] for labels).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The records (outermost dimension) the header declares; more than <c>Dimensions[0]</c> when a read was limited.</summary>
    public int DeclaredRecords { get; }

    /// <summary>The elements, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>The byte offset of the first element in the (decompressed) file: 4 + 4 · rank.</summary>
    public int DataOffset => 4 + (4 * Dimensions.Count);
}
