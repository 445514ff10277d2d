using System.Reflection;
using ILGPU;
using RevNet.ILGPU.Kernels;

namespace RevNet.ILGPU.Tests.GpuKernels;

/// <summary>
/// Every ILGPU kernel of the library, found by reflection: each public static method of each static
/// <c>*Kernels</c> class in <c>RevNet.ILGPU.Kernels</c> (the <c>Ops/*/*Kernels.cs</c> files). A new kernel is in
/// the list as soon as it is written.
/// </summary>
internal static class KernelInventory
{
    /// <summary>The kernels, ordered by class and name.</summary>
    public static IReadOnlyList<KernelEntry> All { get; } = Find();

    private static KernelEntry[] Find() =>
        [.. typeof(IlgpuOps).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(IlgpuOps).Namespace && t.IsAbstract && t.IsSealed
                && t.Name.EndsWith("Kernels", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => new KernelEntry(m))
            .OrderBy(k => k.Name, StringComparer.Ordinal)];
}

/// <summary>One kernel method and how it is launched.</summary>
internal sealed class KernelEntry(MethodInfo method)
{
    public MethodInfo Method { get; } = method;

    public string Name => $"{Method.DeclaringType!.Name}.{Method.Name}";

    /// <summary>Implicitly grouped kernels take an <see cref="Index1D"/> first; the rest are explicitly grouped.</summary>
    public bool ImplicitlyGrouped
    {
        get
        {
            ParameterInfo[] parameters = Method.GetParameters();
            return parameters.Length > 0 && parameters[0].ParameterType == typeof(Index1D);
        }
    }

    /// <summary>The group size an explicitly grouped kernel declares, or null.</summary>
    public int? DeclaredGroupSize => Method.GetCustomAttribute<ExplicitlyGroupedAttribute>()?.GroupSize;

    public override string ToString() => Name;
}
