using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace RevNet.ILGPU.Tests.GpuKernels;

/// <summary>
/// Compiles every ILGPU kernel of the library to PTX (sm_70, sm_80, sm_90) and to OpenCL C with ILGPU's own
/// backends, which need no GPU and no driver, and checks the code: no float atomics anywhere (results must repeat
/// bit for bit), and no local-memory spills in the tiled kernels (a register tile that spilled would run at a
/// fraction of its speed). The CUDA and OpenCL drivers then only assemble what these tests have already seen.
/// </summary>
public sealed partial class OfflineKernelCompileTests
{
    public static TheoryData<string> Targets => ["sm_70", "sm_80", "sm_90", "opencl"];

    [Fact]
    public void Inventory_FindsEveryKernelFamily_AndEveryGroupedKernelDeclaresItsGroupSize()
    {
        string[] families = [.. KernelInventory.All.Select(k => k.Method.DeclaringType!.Name).Distinct()];

        families.Should().Contain(
            ["BatchNormKernels", "Conv2dKernels", "ElementwiseKernels", "LinearKernels", "LossKernels",
             "OptimizerKernels", "PoolingKernels", "ChannelKernels", "TiledGemmKernels", "ImplicitGemmConvKernels"]);
        KernelInventory.All.Where(k => k.Method.IsGenericMethodDefinition).Should().BeEmpty(
            "a kernel entry point is a closed method (generic layouts are instantiated by non-generic wrappers)");
        KernelInventory.All.Where(k => !k.ImplicitlyGrouped && k.DeclaredGroupSize is null).Should().BeEmpty(
            "an explicitly grouped kernel must state its group size with [ExplicitlyGrouped]");
        KernelInventory.All.Count(k => !k.ImplicitlyGrouped).Should().BeGreaterThan(0);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryKernel_CompilesOffline_WithoutFloatAtomicsOrTiledSpills(string target)
    {
        using var context = Context.Create(b => b.Default().EnableAlgorithms());
        using Backend backend = CreateBackend(context, target);
        var problems = new List<string>();
        int compiled = 0;
        foreach (KernelEntry kernel in KernelInventory.All)
        {
            string code;
            try
            {
                code = Compile(backend, kernel);
            }
#pragma warning disable CA1031 // Every kernel that fails is reported together.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                problems.Add($"{kernel}: does not compile: {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            compiled++;
            problems.AddRange(Inspect(kernel, target, code));
        }

        problems.Should().BeEmpty($"every kernel must compile cleanly for {target}");
        compiled.Should().Be(KernelInventory.All.Count);
    }

    [Theory]
    [InlineData("red.global.add.f32 [%rd1], %f1;", false, "float atomic")]
    [InlineData("atom.shared.add.f32 %f2, [%r1], %f1;", false, "float atomic")]
    [InlineData(".local .align 4 .b8 __local_depot0[64];", true, ".local spill")]
    public void Inspect_FlagsFloatAtomicsAndSpills(string line, bool tiled, string expected)
    {
        KernelEntry kernel = KernelInventory.All.First(k => k.ImplicitlyGrouped != tiled);
        string ptx = ".entry Kernel(\n.shared .b8 tile[4160];\n" + line + "\n)";

        Inspect(kernel, "sm_80", ptx).Should().ContainSingle().Which.Should().Contain(expected);
        Inspect(kernel, "sm_80", ".entry Kernel(\n.shared .b8 tile[4160];\natom.global.add.u32 %r2, [%rd1], 1;\n)")
            .Should().BeEmpty("integer atomics and shared memory are allowed");
    }

    /// <summary>The problems found in one kernel's generated code.</summary>
    private static IEnumerable<string> Inspect(KernelEntry kernel, string target, string code)
    {
        bool ptx = target != "opencl";
        if (ptx && !code.Contains(".entry", StringComparison.Ordinal))
        {
            yield return $"{kernel}: no .entry in the PTX";
        }

        if (ptx && FloatAtomic().Match(code) is { Success: true } atomic)
        {
            yield return $"{kernel}: float atomic '{atomic.Value}'";
        }

        if (!ptx && OpenCLAtomic().Match(code) is { Success: true } clAtomic)
        {
            yield return $"{kernel}: atomic '{clAtomic.Value}' in the OpenCL C";
        }

        if (!kernel.ImplicitlyGrouped)
        {
            if (ptx && code.Contains(".local", StringComparison.Ordinal))
            {
                yield return $"{kernel}: .local spill in a tiled kernel";
            }

            if (ptx && !code.Contains(".shared", StringComparison.Ordinal))
            {
                yield return $"{kernel}: a tiled kernel without shared memory";
            }

            if (!ptx && !code.Contains("local float ", StringComparison.Ordinal))
            {
                yield return $"{kernel}: a tiled kernel without local memory in the OpenCL C";
            }
        }
    }

    private static Backend CreateBackend(Context context, string target) => target switch
    {
        "sm_70" => new PTXBackend(context, CudaArchitecture.SM_70, CudaInstructionSet.ISA_60, null!),
        "sm_80" => new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_70, null!),
        "sm_90" => new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!),
        "opencl" => new CLBackend(
            context, new CLCapabilityContext(false, false, false, false, false), CLDeviceVendor.Nvidia,
            CLCVersion.CL20),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown target."),
    };

    private static string Compile(Backend backend, KernelEntry kernel)
    {
        EntryPointDescription entry = kernel.ImplicitlyGrouped
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
        var specialization = new KernelSpecialization(kernel.DeclaredGroupSize ?? 256, null);
        CompiledKernel compiled = backend.Compile(entry, specialization);
        return compiled switch
        {
            PTXCompiledKernel p => p.PTXAssembly,
            CLCompiledKernel c => c.Source,
            _ => throw new InvalidOperationException($"Unexpected compiled kernel {compiled.GetType().Name}."),
        };
    }

    // atom.global.add.f32, red.shared.add.f32, atom.add.noftz.f16, ...
    [GeneratedRegex(@"\b(atom|red)(\.\w+)*\.f(16|32|64)\b")]
    private static partial Regex FloatAtomic();

    // Any atomic in OpenCL C (the kernels use none; ILGPU emulates float atomics with atomic_cmpxchg loops).
    [GeneratedRegex(@"\batomic_\w+")]
    private static partial Regex OpenCLAtomic();
}
