using System.Runtime.CompilerServices;
using ILGPU;
using RevNet.ILGPU.Ops;

namespace RevNet.ILGPU.Kernels;

/// <summary>Launch arguments of a convolution kernel: work items, threads, and the geometry.</summary>
/// <param name="Count">Work items (output elements, input elements, or weights, depending on the kernel).</param>
/// <param name="Stride">Threads launched (grid-stride loop).</param>
/// <param name="G">x [N, C, H, W], w [K, C, R, S], y [N, K, P, Q], strides and zero padding.</param>
/// <param name="Chunks">Batch chunks of the split weight gradient (each sums a contiguous range of samples).</param>
internal readonly record struct Conv2dDims(int Count, int Stride, Conv2dGeometry G, int Chunks = 1);

/// <summary>
/// Direct 2-D convolution (cross-correlation, zero padding, no bias): forward, input gradient and weight gradient.
/// Simple forms: one thread per output value with a contiguous loop over (c, r, s); every sum runs in one thread
/// in a fixed order, so results are deterministic. The valid kernel window is computed up front, so the inner
/// loops carry no bounds tests.
/// </summary>
internal static class Conv2dKernels
{
    /// <summary>
    /// y[n,k,p,q] = Σ_c,r,s x[n, c, p·sh + r − ph, q·sw + s − pw]·w[k,c,r,s]; one thread per output;
    /// Count = N·K·P·Q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Index1D index, ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, Conv2dDims d)
    {
        Conv2dGeometry g = d.G;
        int c = g.C;
        int h = g.H;
        int wd = g.W;
        int k = g.K;
        int r = g.R;
        int s = g.S;
        int p = g.P;
        int q = g.Q;
        for (int o = index; o < d.Count; o += d.Stride)
        {
            int oq = o % q;
            int t = o / q;
            int op = t % p;
            t /= p;
            int ok = t % k;
            int on = t / k;
            int h0 = (op * g.StrideH) - g.PadH;
            int w0 = (oq * g.StrideW) - g.PadW;
            int r0 = h0 < 0 ? -h0 : 0;
            int r1 = h - h0 < r ? h - h0 : r;
            int s0 = w0 < 0 ? -w0 : 0;
            int s1 = wd - w0 < s ? wd - w0 : s;
            float sum = 0f;
            for (int ci = 0; ci < c; ci++)
            {
                int xBase = (((on * c) + ci) * h * wd) + (h0 * wd) + w0;
                int wBase = ((ok * c) + ci) * r * s;
                for (int ri = r0; ri < r1; ri++)
                {
                    int xRow = xBase + (ri * wd);
                    int wRow = wBase + (ri * s);
                    for (int si = s0; si < s1; si++)
                    {
                        sum += x[xRow + si] * w[wRow + si];
                    }
                }
            }

            y[o] = sum;
        }
    }

    /// <summary>
    /// dx[n,c,h,w] = Σ_k,r,s dy[n,k,p,q]·w[k,c,r,s] over the (p, q) with p·sh + r − ph = h and
    /// q·sw + s − pw = w;
    /// one thread per input element (overwritten); Count = N·C·H·W.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(
        Index1D index, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, Conv2dDims d)
    {
        Conv2dGeometry g = d.G;
        int c = g.C;
        int h = g.H;
        int wd = g.W;
        int k = g.K;
        int r = g.R;
        int s = g.S;
        int p = g.P;
        int q = g.Q;
        int sh = g.StrideH;
        int sw = g.StrideW;
        for (int e = index; e < d.Count; e += d.Stride)
        {
            int iw = e % wd;
            int t = e / wd;
            int ih = t % h;
            t /= h;
            int ic = t % c;
            int n = t / c;
            int hp = ih + g.PadH;
            int wp = iw + g.PadW;
            float sum = 0f;
            for (int kk = 0; kk < k; kk++)
            {
                int dyBase = ((n * k) + kk) * p * q;
                int wBase = ((kk * c) + ic) * r * s;
                for (int ri = 0; ri < r && ri <= hp; ri++)
                {
                    int ph = hp - ri;
                    int op = ph / sh;
                    if (op * sh != ph || op >= p)
                    {
                        continue;
                    }

                    for (int si = 0; si < s && si <= wp; si++)
                    {
                        int pw = wp - si;
                        int oq = pw / sw;
                        if (oq * sw != pw || oq >= q)
                        {
                            continue;
                        }

                        sum += dy[dyBase + (op * q) + oq] * w[wBase + (ri * s) + si];
                    }
                }
            }

            dx[e] = sum;
        }
    }

    /// <summary>
    /// dw[k,c,r,s] += Σ_n,p,q dy[n,k,p,q]·x[n, c, p·sh + r − ph, q·sw + s − pw]; one thread per weight, looping
    /// n, p, q in order (accumulates); Count = K·C·R·S. The simple form, used when the batch is not split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeight(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, Conv2dDims d)
    {
        for (int e = index; e < d.Count; e += d.Stride)
        {
            dw[e] += WeightGradient(x, dy, d.G, e, 0, d.G.N);
        }
    }

    /// <summary>
    /// First pass of the split weight gradient: partial[chunk·weights + e] = the weight-e sum over the samples of
    /// batch chunk <c>chunk</c> (samples chunk·N/Chunks up to (chunk + 1)·N/Chunks); Count = Chunks·K·C·R·S.
    /// Gives the GPU Chunks times more threads than <see cref="BackwardWeight"/>; every sum keeps a fixed order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightPartial(
        Index1D index, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partial, Conv2dDims d)
    {
        Conv2dGeometry g = d.G;
        int weights = g.K * g.C * g.R * g.S;
        for (int i = index; i < d.Count; i += d.Stride)
        {
            int chunk = i / weights;
            int e = i - (chunk * weights);
            int n0 = (chunk * g.N) / d.Chunks;
            int n1 = ((chunk + 1) * g.N) / d.Chunks;
            partial[i] = WeightGradient(x, dy, g, e, n0, n1);
        }
    }

    /// <summary>Second pass: dw[e] += Σ_chunk partial[chunk·weights + e], in chunk order; Count = K·C·R·S.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardWeightReduce(Index1D index, ArrayView<float> partial, ArrayView<float> dw, Conv2dDims d)
    {
        for (int e = index; e < d.Count; e += d.Stride)
        {
            float sum = 0f;
            for (int chunk = 0; chunk < d.Chunks; chunk++)
            {
                sum += partial[(chunk * d.Count) + e];
            }

            dw[e] += sum;
        }
    }

    /// <summary>Σ over samples [n0, n1) and all (p, q) of dy[n,k,p,q]·x[n,c,h,w] for weight e = (k,c,r,s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float WeightGradient(
        ArrayView<float> x, ArrayView<float> dy, Conv2dGeometry g, int e, int n0, int n1)
    {
        int c = g.C;
        int h = g.H;
        int wd = g.W;
        int k = g.K;
        int r = g.R;
        int s = g.S;
        int p = g.P;
        int q = g.Q;
        int sh = g.StrideH;
        int sw = g.StrideW;
        int si = e % s;
        int t = e / s;
        int ri = t % r;
        t /= r;
        int ic = t % c;
        int kk = t / c;

        // Output rows/columns whose tap (ri, si) lands inside the input.
        int offH = ri - g.PadH;
        int offW = si - g.PadW;
        int p0 = offH >= 0 ? 0 : ((-offH) + sh - 1) / sh;
        int p1 = h - 1 - offH < 0 ? 0 : ((h - 1 - offH) / sh) + 1;
        p1 = p1 < p ? p1 : p;
        int q0 = offW >= 0 ? 0 : ((-offW) + sw - 1) / sw;
        int q1 = wd - 1 - offW < 0 ? 0 : ((wd - 1 - offW) / sw) + 1;
        q1 = q1 < q ? q1 : q;
        float sum = 0f;
        for (int b = n0; b < n1; b++)
        {
            int dyBase = ((b * k) + kk) * p * q;
            int xBase = (((b * c) + ic) * h * wd) + (offH * wd) + offW;
            for (int op = p0; op < p1; op++)
            {
                int dyRow = dyBase + (op * q);
                int xRow = xBase + (op * sh * wd);
                for (int oq = q0; oq < q1; oq++)
                {
                    sum += dy[dyRow + oq] * x[xRow + (oq * sw)];
                }
            }
        }

        return sum;
    }
}
