using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Kernels;

/// <summary>
/// Shared helpers of the backend-generic op tests: every op runs through the checked facade <c>TensorOps</c> on the
/// fixture's device and is compared with the double references in <c>Reference/</c>.
/// </summary>
public abstract class OpsTestBase(DeviceFixture fixture)
{
    /// <summary>llm.c's tolerance for results of short reductions: |a − r| ≤ Atol + Rtol·|r|.</summary>
    protected const double Atol = 1e-5;

    /// <summary>Relative tolerance of every comparison with a reference.</summary>
    protected const double Rtol = 1e-4;

    /// <summary>The most work one larger-shape case may cost on the simulator.</summary>
    protected const long SimulatorWorkLimit = 1L << 20;

    protected DeviceFixture Fixture { get; } = fixture;

    /// <summary>The ILGPU CPU accelerator runs GPU kernels 20–7000x slower than plain C#: tiny shapes only.</summary>
    protected bool IsSimulator => Fixture.Kind == DeviceKind.IlgpuCpu;

    /// <summary>The device, or SKIPPED when this machine has none of the fixture's kind.</summary>
    protected ComputeDevice Require() => Fixture.Require();

    /// <summary>
    /// Skips a larger case on the simulator when its work (multiply-adds, or elements for memory-bound ops) exceeds
    /// 2^20: measured on 2 cores, such a case costs the simulator 1–8 s, everything below it well under 0.5 s. The
    /// small-shape theories cover the same kernels there.
    /// </summary>
    protected void SkipOnSimulatorAbove(long work) =>
        Skip.If(
            IsSimulator && work > SimulatorWorkLimit,
            $"{work} multiply-adds/elements is too much for the ILGPU CPU simulator (limit {SimulatorWorkLimit}).");

    /// <summary>
    /// Absolute tolerance for a float sum of <paramref name="length"/> O(1) terms. The rounding error of such a sum
    /// grows like ε_f·√length·(size of the partial sums ≈ √length) for random signs, so up to 32 terms the plain
    /// 1e-5 holds; beyond that it is scaled by √(length/32): 1024 terms get 5.7e-5, 4096 get 1.1e-4. Blocked or tree
    /// summation stays well inside; a wrong index is off by O(1) and still fails.
    /// </summary>
    protected static double ReductionAtol(long length) => Atol * Math.Max(1.0, Math.Sqrt(length / 32.0));

    protected static float[] Random(int seed, long count, float lo = -1f, float hi = 1f) =>
        TestData.Uniform(seed, count, lo, hi);

    protected static double[] D(float[] a) => a.ToDouble();

    /// <summary>A device tensor holding <paramref name="values"/>.</summary>
    protected static Tensor Upload(ComputeDevice device, float[] values, params int[] dims) =>
        device.ToTensor(values, dims);

    /// <summary>
    /// An output tensor filled with NaN: an op that must overwrite its output fails if it reads it, accumulates into
    /// it, or leaves an element unwritten.
    /// </summary>
    protected static Tensor Poisoned(ComputeDevice device, params int[] dims)
    {
        var shape = new Shape(dims);
        float[] nan = new float[shape.ElementCount];
        Array.Fill(nan, float.NaN);
        return device.ToTensor(nan, dims);
    }

    /// <summary>Labels in [0, classes) from a fixed seed.</summary>
    protected static int[] Labels(int seed, int n, int classes)
    {
        var rng = new Random(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.Next(classes);
        }

        return labels;
    }

    /// <summary>
    /// The style guide's float32 smoke check, independent of the references: central differences straight on the
    /// device forward (ε = 1e-2) at 20 random coordinates of <paramref name="p"/> must match the device backward's
    /// <paramref name="analytic"/> within rtol 1e-2 (atol 1e-3). <paramref name="upload"/> copies p to the device and
    /// <paramref name="loss"/> runs the device forward and returns L = Σ r ⊙ y in double.
    /// </summary>
    protected static void FiniteDifferenceSmoke(
        float[] p, Action<float[]> upload, Func<double> loss, float[] analytic, int seed, string what)
    {
        const float Step = 1e-2f;
        var rng = new Random(seed);
        for (int trial = 0; trial < 20; trial++)
        {
            int i = rng.Next(p.Length);
            float saved = p[i];
            p[i] = saved + Step;
            upload(p);
            double plus = loss();
            p[i] = saved - Step;
            upload(p);
            double minus = loss();
            p[i] = saved;
            upload(p);
            double numerical = (plus - minus) / (2.0 * Step);
            Math.Abs(analytic[i] - numerical).Should().BeLessThanOrEqualTo(
                1e-3 + (1e-2 * Math.Abs(numerical)),
                "{0} at {1}: backward {2} vs finite difference {3}",
                what,
                i,
                analytic[i],
                numerical);
        }
    }

    /// <summary>Σ r ⊙ y in double.</summary>
    protected static double Dot(float[] r, float[] y)
    {
        double sum = 0;
        for (int i = 0; i < r.Length; i++)
        {
            sum += (double)r[i] * y[i];
        }

        return sum;
    }
}
