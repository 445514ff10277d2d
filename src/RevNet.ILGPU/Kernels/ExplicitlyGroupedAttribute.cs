namespace RevNet.ILGPU.Kernels;

/// <summary>
/// Marks an explicitly grouped kernel (one without an index parameter, launched with a <c>KernelConfig</c>; the
/// only kind that may use shared memory and barriers) and states its fixed group size. The offline PTX/OpenCL
/// compile test reads it to compile the kernel with that group size and to hold it to the tiled-kernel rules
/// (no <c>.local</c> spills).
/// </summary>
/// <param name="groupSize">Threads per group the kernel is written for.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class ExplicitlyGroupedAttribute(int groupSize) : Attribute
{
    /// <summary>Threads per group the kernel is written for.</summary>
    public int GroupSize { get; } = groupSize;
}
