using System.Runtime.InteropServices;

namespace RevNet.ILGPU.Distributed;

/// <summary>
/// Open MPI's C entry points, bound at run time from <c>libmpi.so.40</c>. Open MPI's handles are pointers to exported
/// structs (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>), so they are the exports'
/// addresses. Nothing here is touched unless more than one process is asked for.
/// </summary>
internal sealed unsafe class MpiNative
{
    /// <summary>The library file names tried, in order.</summary>
    internal static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    /// <summary>Open MPI's MPI_IN_PLACE sentinel.</summary>
    internal static readonly nint InPlace = 1;

    private MpiNative(nint library)
    {
        Library = library;
        CommWorld = NativeLibrary.GetExport(library, "ompi_mpi_comm_world");
        Float = NativeLibrary.GetExport(library, "ompi_mpi_float");
        Double = NativeLibrary.GetExport(library, "ompi_mpi_double");
        Byte = NativeLibrary.GetExport(library, "ompi_mpi_byte");
        Sum = NativeLibrary.GetExport(library, "ompi_mpi_op_sum");
        Max = NativeLibrary.GetExport(library, "ompi_mpi_op_max");
        Init = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(library, "MPI_Init");
        Initialized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(library, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(library, "MPI_Comm_size");
        Iallreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Iallreduce");
        Ibcast = (delegate* unmanaged<nint, int, nint, int, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Ibarrier");
        Abort = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(library, "MPI_Abort");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)NativeLibrary.GetExport(library, "MPI_Test");
    }

    internal nint Library { get; }

    internal nint CommWorld { get; }

    internal nint Float { get; }

    internal nint Double { get; }

    internal nint Byte { get; }

    internal nint Sum { get; }

    internal nint Max { get; }

    internal delegate* unmanaged<nint, nint, int> Init { get; }

    internal delegate* unmanaged<int*, int> Initialized { get; }

    internal delegate* unmanaged<int*, int> Finalized { get; }

    internal delegate* unmanaged<int> Finalize { get; }

    internal delegate* unmanaged<nint, int*, int> CommRank { get; }

    internal delegate* unmanaged<nint, int*, int> CommSize { get; }

    internal delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int> Iallreduce { get; }

    internal delegate* unmanaged<nint, int, nint, int, nint, nint*, int> Ibcast { get; }

    internal delegate* unmanaged<nint, nint*, int> Ibarrier { get; }

    internal delegate* unmanaged<nint, int, int> Abort { get; }

    internal delegate* unmanaged<nint*, int*, nint, int> Test { get; }

    /// <summary>Loads Open MPI, or explains how to install it.</summary>
    /// <exception cref="MpiUnavailableException">No loadable libmpi.so.40 (or it lacks Open MPI's exports).</exception>
    internal static MpiNative Load()
    {
        var reasons = new List<string>();
        foreach (string name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
            {
                reasons.Add($"{name}: not found");
                continue;
            }

            try
            {
                return new MpiNative(handle);
            }
            catch (EntryPointNotFoundException ex)
            {
                reasons.Add($"{name}: not Open MPI ({ex.Message})");
            }
        }

        throw new MpiUnavailableException(string.Join("; ", reasons));
    }

    /// <summary>Throws when an MPI call did not return MPI_SUCCESS.</summary>
    internal static void Check(int code, string call)
    {
        if (code != 0)
        {
            throw new CommunicatorException($"{call} failed with MPI error code {code}.");
        }
    }
}
