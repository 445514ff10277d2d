using System.Collections.Immutable;

namespace RevNet.ILGPU.Training;

/// <summary>A named float array with its shape: how checkpoints hold parameters, buffers and optimizer state.</summary>
public sealed class NamedArray
{
    /// <summary>Creates the entry.</summary>
    /// <param name="name">The name (unique within its section).</param>
    /// <param name="dimensions">The shape; the product must equal the data length.</param>
    /// <param name="data">The values, row-major (not copied).</param>
    /// <exception cref="ArgumentException">The shape does not match the data.</exception>
    public NamedArray(string name, IReadOnlyList<int> dimensions, float[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Dimensions must be positive: [{string.Join(", ", dimensions)}].", nameof(dimensions));
            }

            count = checked(count * d);
        }

        if (dimensions.Count == 0 || count != data.Length)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", dimensions)}] does not hold {data.Length} values.", nameof(data));
        }

        Name = name;
        Dimensions = [.. dimensions];
        Data = data;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The shape, outermost first.</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>The values.</summary>
    public float[] Data { get; }

    /// <summary>The shape as text, e.g. <c>[16, 3, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Dimensions) + "]";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
