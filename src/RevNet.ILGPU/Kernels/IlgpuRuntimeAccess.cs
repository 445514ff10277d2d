using System.Runtime.CompilerServices;

// The CPU accelerator (IlgpuCpu) emits its kernel launchers into a dynamic assembly named "ILGPURuntime"; the
// kernels and their dims structs are internal, so that assembly must see them.
[assembly: InternalsVisibleTo("ILGPURuntime")]
