using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Dimensions of a channel copy between src [N, SrcChannels, H, W] and dst [N, DstChannels, H, W]:
/// <see cref="Channels"/> channels starting at <see cref="SrcOffset"/> go to <see cref="DstOffset"/>.
/// </summary>
/// <param name="Count">Elements copied: N·Channels·Plane.</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="Plane">H·W.</param>
/// <param name="Channels">Channels copied per sample.</param>
/// <param name="SrcChannels">Channels of src.</param>
/// <param name="SrcOffset">First channel read from src.</param>
/// <param name="DstChannels">Channels of dst.</param>
/// <param name="DstOffset">First channel written in dst.</param>
internal readonly record struct ChannelCopyDims(
    int Count, int Stride, int Plane, int Channels, int SrcChannels, int SrcOffset, int DstChannels, int DstOffset);

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
