using System.Collections.Immutable;

namespace RevNet.ILGPU.Tensors;

/// <summary>The dimensions of a dense, row-major (NCHW) tensor.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly ImmutableArray<int> _dims;

    /// <summary>Creates a shape from its dimensions.</summary>
    /// <param name="dims">The dimensions, outermost first; each must be positive.</param>
    /// <exception cref="ArgumentException">No dimensions, or a dimension is zero or negative.</exception>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0)
        {
            throw new ArgumentException("A shape needs at least one dimension.", nameof(dims));
        }

        long count = 1;
        foreach (int d in dims)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Dimensions must be positive, got [{string.Join(", ", dims)}].", nameof(dims));
            }

            count = checked(count * d);
        }

        _dims = [.. dims];
        ElementCount = count;
    }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims.IsDefault ? 0 : _dims.Length;

    /// <summary>The product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ImmutableArray<int> Dims => _dims;

    /// <summary>Gets one dimension.</summary>
    /// <param name="index">Which dimension, 0 = outermost.</param>
    public int this[int index] => _dims[index];

    /// <summary>Compares two shapes dimension by dimension.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Compares two shapes dimension by dimension.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(Shape other)
    {
        if (Rank != other.Rank)
        {
            return false;
        }

        for (int i = 0; i < Rank; i++)
        {
            if (_dims[i] != other._dims[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        for (int i = 0; i < Rank; i++)
        {
            hash.Add(_dims[i]);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats as <c>[32, 2, 28, 28]</c>.</summary>
    public override string ToString() => _dims.IsDefault ? "[]" : "[" + string.Join(", ", _dims) + "]";
}
