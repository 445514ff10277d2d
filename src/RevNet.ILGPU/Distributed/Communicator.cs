using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Distributed;

/// <summary>
/// The processes of a data-parallel run and the collectives between them: sum all-reduce (blocking and nonblocking),
/// broadcast, barrier, abort. <see cref="World"/> is every process launched by <c>mpirun</c> (Open MPI, loaded at run
/// time from <c>libmpi.so.40</c>); a process started without <c>mpirun</c> gets <see cref="Single"/>, which needs no MPI.
/// </summary>
/// <remarks>
/// Collectives must be called by every rank in the same order with the same counts, from one thread. Reductions run
/// in a fixed order, so reruns with the same inputs give the same bits. Disposing the MPI communicator finalizes MPI
/// (once per process); it cannot be initialized again afterwards.
/// </remarks>
/// <example>
/// <code>
/// using Communicator world = Communicator.World;
/// float[] g = ...;
/// world.AllReduceSum(g);           // g = sum over ranks
/// if (world.Rank == 0) Console.WriteLine("done");
/// </code>
/// </example>
public abstract class Communicator : IDisposable
{
    /// <summary>The environment variable that sets <see cref="CollectiveTimeout"/>'s default, in seconds (0: none).</summary>
    public const string TimeoutVariable = "REVNET_COLLECTIVE_TIMEOUT";

    /// <summary>The default <see cref="CollectiveTimeout"/> without <see cref="TimeoutVariable"/>: 300 s.</summary>
    public static readonly TimeSpan DefaultCollectiveTimeout = TimeSpan.FromSeconds(300);

    private static readonly Lock Gate = new();
    private static Communicator? _world;
    private TimeSpan? _timeout;

    /// <summary>A one-process communicator: every collective leaves the data as it is. Needs no MPI.</summary>
    public static Communicator Single { get; } = new SingleCommunicator();

    /// <summary>
    /// Every process of the run: under <c>mpirun</c> (Open MPI sets <c>OMPI_COMM_WORLD_SIZE</c>) MPI is initialized on
    /// first use; otherwise <see cref="Single"/>.
    /// </summary>
    /// <exception cref="MpiUnavailableException">Launched by mpirun with more than one process but libmpi.so.40 cannot be loaded.</exception>
    public static Communicator World
    {
        get
        {
            lock (Gate)
            {
                return _world ??= LaunchedSize() > 1 ? MpiCommunicator.Create() : Single;
            }
        }
    }

    /// <summary>The number of processes <c>mpirun</c> launched (from OMPI_COMM_WORLD_SIZE; 1 without mpirun).</summary>
    /// <returns>The launched process count.</returns>
    public static int LaunchedSize() =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"), out int n) && n > 0 ? n : 1;

    /// <summary>
    /// Opens a communicator for <paramref name="processes"/> processes: <see cref="Single"/> for 1, otherwise
    /// <see cref="World"/>, which must have exactly that many ranks.
    /// </summary>
    /// <param name="processes">The process count asked for.</param>
    /// <returns>The communicator.</returns>
    /// <exception cref="MpiUnavailableException">More than one process asked for and Open MPI is missing.</exception>
    /// <exception cref="CommunicatorException">The run was not launched with that many processes.</exception>
    public static Communicator ForProcesses(int processes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processes, 1);
        if (processes == 1)
        {
            return Single;
        }

        if (LaunchedSize() == 1)
        {
            // Loads the library first so a missing MPI is reported as such rather than as a launch problem.
            _ = MpiNative.Load();
            throw new CommunicatorException(
                $"{processes} processes were asked for but this process was not started by mpirun; run 'mpirun -np {processes} dotnet ...'.");
        }

        Communicator world = World;
        if (world.Size != processes)
        {
            throw new CommunicatorException($"{processes} processes were asked for but mpirun started {world.Size}.");
        }

        return world;
    }

    /// <summary>This process's rank, 0..Size-1.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes.</summary>
    public abstract int Size { get; }

    /// <summary>Whether this is rank 0 (the one that prints and writes files).</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// How long a collective (blocking, or the wait for a nonblocking one) may wait for the other ranks before this
    /// rank prints one line naming itself and the collective and aborts every rank (MPI_Abort, exit code 3) — a rank
    /// that is stuck, deadlocked or far behind then ends the run instead of hanging it. Zero or negative: wait forever.
    /// Default: <see cref="TimeoutVariable"/> (seconds) when set, else <see cref="DefaultCollectiveTimeout"/>. It
    /// bounds the gap between the ranks' arrival, so it must exceed the longest work one rank does alone between
    /// collectives (rank 0's checkpoint writes, a slow device's step).
    /// </summary>
    /// <exception cref="CommunicatorException">Read while <see cref="TimeoutVariable"/> is not a number of seconds.</exception>
    public TimeSpan CollectiveTimeout
    {
        get => _timeout ??= TimeoutFromEnvironment();
        set => _timeout = value;
    }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over the ranks.</summary>
    /// <param name="values">The values (same length on every rank).</param>
    public abstract void AllReduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over the ranks.</summary>
    /// <param name="values">The values (same length on every rank).</param>
    public abstract void AllReduceSum(Span<double> values);

    /// <summary>Replaces a tensor's values on every rank by the element-wise sum over the ranks (through the host).</summary>
    /// <param name="tensor">The tensor (same shape on every rank).</param>
    public void AllReduceSum(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (Size == 1)
        {
            return;
        }

        float[] host = tensor.ToArray();
        AllReduceSum(host.AsSpan());
        tensor.CopyFrom(host);
    }

    /// <summary>
    /// Starts an in-place sum all-reduce of <paramref name="values"/> and returns at once; the array must not be
    /// touched until the request completes. Progress is made whenever <see cref="CommunicationRequest.Test"/> or
    /// <see cref="CommunicationRequest.Wait"/> is called.
    /// </summary>
    /// <param name="values">The values (same length on every rank); pinned until completion.</param>
    /// <param name="count">How many leading elements to reduce (default: all).</param>
    /// <returns>The request.</returns>
    public abstract CommunicationRequest IAllReduceSum(float[] values, int count = -1);

    /// <summary>Copies rank <paramref name="root"/>'s values into every rank's <paramref name="values"/>.</summary>
    /// <param name="values">The values (same length on every rank).</param>
    /// <param name="root">The sending rank.</param>
    public abstract void Broadcast(Span<float> values, int root = 0);

    /// <summary>Copies rank <paramref name="root"/>'s bytes into every rank's <paramref name="values"/>.</summary>
    /// <param name="values">The bytes (same length on every rank).</param>
    /// <param name="root">The sending rank.</param>
    public abstract void Broadcast(Span<byte> values, int root = 0);

    /// <summary>Copies rank <paramref name="root"/>'s tensor into every rank's tensor (through the host).</summary>
    /// <param name="tensor">The tensor (same shape on every rank).</param>
    /// <param name="root">The sending rank.</param>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (Size == 1)
        {
            return;
        }

        float[] host = tensor.ToArray();
        Broadcast(host.AsSpan(), root);
        tensor.CopyFrom(host);
    }

    /// <summary>Waits until every rank has called it.</summary>
    public abstract void Barrier();

    /// <summary>Ends every process of the run at once with <paramref name="exitCode"/> (MPI_Abort); does not return under MPI.</summary>
    /// <param name="exitCode">The exit code.</param>
    public abstract void Abort(int exitCode);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the communicator (the MPI one finalizes MPI).</summary>
    /// <param name="disposing">Called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Reads <see cref="TimeoutVariable"/>; <see cref="DefaultCollectiveTimeout"/> when unset.</summary>
    /// <returns>The timeout (zero: none).</returns>
    /// <exception cref="CommunicatorException">The variable is not a number of seconds.</exception>
    public static TimeSpan TimeoutFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultCollectiveTimeout;
        }

        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds))
        {
            throw new CommunicatorException($"{TimeoutVariable}='{text}' is not a number of seconds; set e.g. {TimeoutVariable}=600 (0 waits forever).");
        }

        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
    }

    /// <summary>Checks a root rank.</summary>
    /// <param name="root">The rank.</param>
    protected void CheckRoot(int root) => ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)root, (uint)Size, nameof(root));

    private sealed class SingleCommunicator : Communicator
    {
        public override int Rank => 0;

        public override int Size => 1;

        public override void AllReduceSum(Span<float> values)
        {
        }

        public override void AllReduceSum(Span<double> values)
        {
        }

        public override CommunicationRequest IAllReduceSum(float[] values, int count = -1)
        {
            ArgumentNullException.ThrowIfNull(values);
            return CommunicationRequest.Completed;
        }

        public override void Broadcast(Span<float> values, int root = 0) => CheckRoot(root);

        public override void Broadcast(Span<byte> values, int root = 0) => CheckRoot(root);

        public override void Barrier()
        {
        }

        public override void Abort(int exitCode) => Environment.Exit(exitCode);
    }
}
