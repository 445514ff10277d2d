using System.Runtime.CompilerServices;
using ILGPU;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// One operand of the tiled GEMM, read element by element: for A the element (row m, k), for B the element
/// (k, column n) — "outer" is m or n. A type argument of <see cref="TiledGemmKernels"/>, so each layout (a plain
/// matrix, or a convolution input gathered as im2col on the fly) compiles into its own kernel.
/// </summary>
internal interface IGemmOperand
{
    /// <summary>Whether consecutive k are adjacent in memory (else consecutive outer indices are); decides which
    /// threads load which elements, so that a warp's loads are coalesced.</summary>
    bool ContiguousK { get; }

    /// <summary>The element (outer, k) of batch item <paramref name="item"/>; called only inside the matrix.</summary>
    float Load(int item, int outer, int k);
}

/// <summary>A matrix stored with k contiguous: element (outer, k) at item·BatchStride + outer·Ld + k.</summary>
internal readonly struct KContiguous(ArrayView<float> data, int ld, int batchStride) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;
    private readonly int _ld = ld;
    private readonly int _batchStride = batchStride;

    public bool ContiguousK => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k) => _data[(item * _batchStride) + (outer * _ld) + k];
}

/// <summary>A matrix stored with the outer index contiguous: element (outer, k) at item·BatchStride + k·Ld + outer.
/// </summary>
internal readonly struct OuterContiguous(ArrayView<float> data, int ld, int batchStride) : IGemmOperand
{
    private readonly ArrayView<float> _data = data;
    private readonly int _ld = ld;
    private readonly int _batchStride = batchStride;

    public bool ContiguousK => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int item, int outer, int k) => _data[(item * _batchStride) + (k * _ld) + outer];
}
