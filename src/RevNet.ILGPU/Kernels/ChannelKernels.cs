using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Dimensions of a channel copy between src [N, SrcChannels, H, W] and dst [N, DstChannels, H, W]:
/// <see cref="Channels"/> channels starting at <see cref="SrcOffset"/> go to <see cref="DstOffset"/>.
/// </summary>
internal readonly struct ChannelCopyDims
{
    public ChannelCopyDims(
        int count, int stride, int plane, int channels, int srcChannels, int srcOffset, int dstChannels, int dstOffset)
    {
        Count = count;
        Stride = stride;
        Plane = plane;
        Channels = channels;
        SrcChannels = srcChannels;
        SrcOffset = srcOffset;
        DstChannels = dstChannels;
        DstOffset = dstOffset;
    }

    /// <summary>Elements copied: N·Channels·Plane.</summary>
    public int Count { get; }

    /// <summary>Threads launched (grid-stride loop).</summary>
    public int Stride { get; }

    /// <summary>H·W.</summary>
    public int Plane { get; }

    /// <summary>Channels copied per sample.</summary>
    public int Channels { get; }

    /// <summary>Channels of src.</summary>
    public int SrcChannels { get; }

    /// <summary>First channel read from src.</summary>
    public int SrcOffset { get; }

    /// <summary>Channels of dst.</summary>
    public int DstChannels { get; }

    /// <summary>First channel written in dst.</summary>
    public int DstOffset { get; }
}

/// <summary>
/// Channel slicing: split, concat and channel zero-padding (and their backward passes) are all one copy of a
/// contiguous block of Channels·H·W floats per sample.
/// </summary>
internal static class ChannelKernels
{
    /// <summary>dst[n, DstOffset + c, :, :] = src[n, SrcOffset + c, :, :] for c &lt; Channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(Index1D index, ArrayView<float> src, ArrayView<float> dst, ChannelCopyDims d)
    {
        int block = d.Channels * d.Plane;
        for (int i = index; i < d.Count; i += d.Stride)
        {
            int n = i / block;
            int rest = i - (n * block);
            dst[(((n * d.DstChannels) + d.DstOffset) * d.Plane) + rest] =
                src[(((n * d.SrcChannels) + d.SrcOffset) * d.Plane) + rest];
        }
    }
}
