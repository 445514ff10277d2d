namespace RevNet.ILGPU.Distributed;

/// <summary>
/// More than one process was asked for, but Open MPI (<c>libmpi.so.40</c>) cannot be loaded. Single-process training
/// never needs MPI.
/// </summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>The install hint included in every message.</summary>
    public const string InstallHint =
        "Install Open MPI (Debian/Ubuntu: 'apt-get install -y --no-install-recommends openmpi-bin', which provides " +
        "libmpi.so.40 and mpirun) and launch with 'mpirun -np N dotnet ...'; a single process needs no MPI.";

    /// <summary>Creates the exception.</summary>
    public MpiUnavailableException()
        : base("Open MPI is not available. " + InstallHint)
    {
    }

    /// <summary>Creates the exception with what was tried.</summary>
    /// <param name="detail">What failed to load.</param>
    public MpiUnavailableException(string detail)
        : base($"Open MPI is not available ({detail}). {InstallHint}")
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    /// <param name="detail">What failed to load.</param>
    /// <param name="inner">The cause.</param>
    public MpiUnavailableException(string detail, Exception inner)
        : base($"Open MPI is not available ({detail}). {InstallHint}", inner)
    {
    }
}
