using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace RevNet.ILGPU.Kernels;

/// <summary>
/// The kernels of one accelerator, each loaded (compiled) on first use and kept, keyed by its method: adding a
/// kernel means writing the method and launching it, nothing else. Launches go to the default stream, as
/// auto-grouped grid-stride kernels or, for the tiled kernels, explicitly grouped with a <see cref="KernelConfig"/>.
/// Single-threaded, like the device that owns it.
/// </summary>
internal sealed class KernelCache(Accelerator accelerator)
{
    private readonly Dictionary<MethodInfo, Delegate> _loaded = [];

    /// <summary>How many kernels have been loaded so far.</summary>
    public int Count => _loaded.Count;

    public void Launch<T1, T2>(Action<Index1D, T1, T2> kernel, int threads, T1 a1, T2 a2)
        where T1 : struct
        where T2 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2);

    public void Launch<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel, int threads, T1 a1, T2 a2, T3 a3)
        where T1 : struct
        where T2 : struct
        where T3 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3);

    public void Launch<T1, T2, T3, T4>(
        Action<Index1D, T1, T2, T3, T4> kernel, int threads, T1 a1, T2 a2, T3 a3, T4 a4)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3, a4);

    public void Launch<T1, T2, T3, T4, T5>(
        Action<Index1D, T1, T2, T3, T4, T5> kernel, int threads, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3, a4, a5);

    public void Launch<T1, T2, T3, T4, T5, T6>(
        Action<Index1D, T1, T2, T3, T4, T5, T6> kernel, int threads, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3, a4, a5, a6);

    public void Launch<T1, T2, T3, T4, T5, T6, T7>(
        Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel, int threads, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6,
        T7 a7)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3, a4, a5, a6, a7);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(
        Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel, int threads, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5,
        T6 a6, T7 a7, T8 a8)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct
        where T8 : struct =>
        Get(kernel, static (acc, k) => acc.LoadAutoGroupedStreamKernel(k))(threads, a1, a2, a3, a4, a5, a6, a7, a8);

    /// <summary>Launches an explicitly grouped kernel (one that uses shared memory) with its grid and group.</summary>
    public void LaunchGrouped<T1, T2, T3, T4>(
        Action<T1, T2, T3, T4> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct =>
        Get(kernel, static (acc, k) => acc.LoadStreamKernel(k))(config, a1, a2, a3, a4);

    /// <summary>Launches an explicitly grouped kernel (one that uses shared memory) with its grid and group.</summary>
    public void LaunchGrouped<T1, T2, T3, T4, T5>(
        Action<T1, T2, T3, T4, T5> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct =>
        Get(kernel, static (acc, k) => acc.LoadStreamKernel(k))(config, a1, a2, a3, a4, a5);

    private TLaunch Get<TKernel, TLaunch>(TKernel kernel, Func<Accelerator, TKernel, TLaunch> load)
        where TKernel : Delegate
        where TLaunch : Delegate
    {
        if (!_loaded.TryGetValue(kernel.Method, out Delegate? loaded))
        {
            loaded = load(accelerator, kernel);
            _loaded.Add(kernel.Method, loaded);
        }

        return (TLaunch)loaded;
    }
}
