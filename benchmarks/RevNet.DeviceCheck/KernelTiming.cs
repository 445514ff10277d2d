using System.Diagnostics;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.DeviceCheck;

/// <summary>One timed kernel: a problem on one kernel variant.</summary>
internal sealed record KernelTime(string Problem, string Kernels, double Milliseconds, double Gflops);

/// <summary>
/// Times the GEMM-shaped ops on the simple kernels and on the tiled ones (two devices, created with
/// <c>REVNET_KERNELS=simple</c> and <c>tiled</c>): a square GEMM (the linear layer), a 1x1 and a 3x3 convolution.
/// </summary>
internal static class KernelTiming
{
    public static List<KernelTime> Run(DeviceKind kind, bool small)
    {
        var results = new List<KernelTime>();
        foreach (string variant in (string[])["simple", "tiled"])
        {
            using ComputeDevice device = DeviceFactory.Create(kind, variant);
            int m = small ? 64 : 2048;
            results.Add(Time(device, variant, $"gemm {m}x{m}x{m}", 2.0 * m * m * m, small, s =>
            {
                Tensor x = s.Random(1, m, m);
                Tensor w = s.Random(2, m, m);
                Tensor b = s.Random(3, m);
                Tensor y = s.Zeros(m, m);
                return () => TensorOps.LinearForward(x, w, b, y);
            }));
            foreach (Conv2dGeometry g in (Conv2dGeometry[])[
                small ? Conv2dGeometry.Create(2, 8, 8, 8, 16, 1, 1, 0) : Conv2dGeometry.Create(128, 64, 16, 16, 128, 1, 1, 0),
                small ? Conv2dGeometry.Create(2, 4, 8, 8, 4, 3, 1, 1) : Conv2dGeometry.Create(128, 32, 32, 32, 32, 3, 1, 1)])
            {
                results.Add(Time(device, variant, "conv forward " + g, g.ForwardFlops, small, s =>
                {
                    Tensor x = s.Random(4, g.N, g.C, g.H, g.W);
                    Tensor w = s.Random(5, g.K, g.C, g.R, g.S);
                    Tensor y = s.Zeros(g.N, g.K, g.P, g.Q);
                    return () => TensorOps.Conv2dForward(x, w, y, g);
                }));
            }
        }

        return results;
    }

    /// <summary>One warm-up launch, then launches until 0.5 s has passed (or once on the simulator).</summary>
    private static KernelTime Time(
        ComputeDevice device, string variant, string problem, double flops, bool small, Func<TensorScope, Action> setup)
    {
        using var scope = new TensorScope(device);
        Action op = setup(scope);
        op();
        device.Synchronize();
        int reps = 0;
        var watch = Stopwatch.StartNew();
        do
        {
            op();
            device.Synchronize();
            reps++;
        }
        while (!small && watch.Elapsed.TotalSeconds < 0.5 && reps < 1000);

        double ms = watch.Elapsed.TotalMilliseconds / reps;
        var result = new KernelTime(problem, variant, ms, flops / (ms * 1e6));
        Console.WriteLine($"  {variant,-7} {problem,-70} {ms,10:F3} ms {result.Gflops,10:F1} GFLOP/s");
        return result;
    }
}
