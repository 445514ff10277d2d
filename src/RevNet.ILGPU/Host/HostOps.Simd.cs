using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RevNet.ILGPU.Host;

/// <summary>
/// The SIMD width abstraction of the Host kernels: each hand-written loop is one generic method over
/// <see cref="ISimd{TV}"/>, specialised by the JIT for <see cref="Simd512"/>, <see cref="Simd256"/> or
/// <see cref="Simd128"/> (struct type arguments, so every call inlines to the intrinsic).
/// </summary>
internal sealed partial class HostOps
{
    /// <summary>Which width the hand-written loops use on this machine.</summary>
    private static readonly int SimdWidth =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    /// <summary>The float vector operations the kernels need, for one vector type.</summary>
    /// <typeparam name="TV">Vector512, Vector256 or Vector128 of float.</typeparam>
    private interface ISimd<TV>
        where TV : struct
    {
        /// <summary>Lanes per vector.</summary>
        static abstract int Count { get; }

        /// <summary>All lanes = value.</summary>
        static abstract TV Splat(float value);

        /// <summary>Unaligned load.</summary>
        static abstract unsafe TV Load(float* p);

        /// <summary>Unaligned store.</summary>
        static abstract unsafe void Store(TV v, float* p);

        /// <summary>a + b.</summary>
        static abstract TV Add(TV a, TV b);

        /// <summary>a − b.</summary>
        static abstract TV Sub(TV a, TV b);

        /// <summary>a · b.</summary>
        static abstract TV Mul(TV a, TV b);

        /// <summary>a / b.</summary>
        static abstract TV Div(TV a, TV b);

        /// <summary>a · b + c, one rounding.</summary>
        static abstract TV Fma(TV a, TV b, TV c);

        /// <summary>c − a · b, one rounding.</summary>
        static abstract TV Fnma(TV a, TV b, TV c);

        /// <summary>max(a, 0) per lane.</summary>
        static abstract TV Relu(TV a);

        /// <summary>y &gt; 0 ? v : 0 per lane.</summary>
        static abstract TV WherePositive(TV y, TV v);

        /// <summary>√a per lane.</summary>
        static abstract TV Sqrt(TV a);

        /// <summary>The sum of the lanes (fixed order for a given width).</summary>
        static abstract float Sum(TV a);
    }

    private readonly struct Simd512 : ISimd<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Splat(float value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(float* p) => Vector512.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector512<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => a / b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Vector512.FusedMultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Fnma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
            Vector512.FusedMultiplyAdd(-a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> a) => Vector512.Max(a, Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> WherePositive(Vector512<float> y, Vector512<float> v) =>
            Vector512.GreaterThan(y, Vector512<float>.Zero) & v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector512<float> a) => Vector512.Sum(a);
    }

    private readonly struct Simd256 : ISimd<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Splat(float value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<float> Load(float* p) => Vector256.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector256<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => a / b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Vector256.FusedMultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Fnma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Vector256.FusedMultiplyAdd(-a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Relu(Vector256<float> a) => Vector256.Max(a, Vector256<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> WherePositive(Vector256<float> y, Vector256<float> v) =>
            Vector256.GreaterThan(y, Vector256<float>.Zero) & v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector256<float> a) => Vector256.Sum(a);
    }

    private readonly struct Simd128 : ISimd<Vector128<float>>
    {
        public static int Count => Vector128<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Splat(float value) => Vector128.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<float> Load(float* p) => Vector128.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector128<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sub(Vector128<float> a, Vector128<float> b) => a - b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Mul(Vector128<float> a, Vector128<float> b) => a * b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Div(Vector128<float> a, Vector128<float> b) => a / b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
            Vector128.FusedMultiplyAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Fnma(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
            Vector128.FusedMultiplyAdd(-a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Relu(Vector128<float> a) => Vector128.Max(a, Vector128<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> WherePositive(Vector128<float> y, Vector128<float> v) =>
            Vector128.GreaterThan(y, Vector128<float>.Zero) & v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sum(Vector128<float> a) => Vector128.Sum(a);
    }
}
