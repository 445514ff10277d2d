using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RevNet.ILGPU.Distributed;

/// <summary>MPI_COMM_WORLD over Open MPI, bound at run time.</summary>
internal sealed unsafe class MpiCommunicator : Communicator
{
    /// <summary>The exit code of a run aborted by a collective timeout.</summary>
    internal const int ExitCodeTimeout = 3;

    private readonly MpiNative _mpi;
    private readonly int _rank;
    private readonly int _size;
    private bool _finalized;

    private MpiCommunicator(MpiNative mpi)
    {
        _mpi = mpi;
        int flag;
        MpiNative.Check(mpi.Finalized(&flag), "MPI_Finalized");
        if (flag != 0)
        {
            throw new CommunicatorException("MPI was already finalized in this process; it cannot be initialized again.");
        }

        MpiNative.Check(mpi.Initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            MpiNative.Check(mpi.Init(0, 0), "MPI_Init");
        }

        int rank, size;
        MpiNative.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        MpiNative.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        _rank = rank;
        _size = size;
        _ = CollectiveTimeout; // a malformed REVNET_COLLECTIVE_TIMEOUT fails here, on every rank alike, not mid-run

        // A rank that dies of an unhandled exception takes the others down at once instead of leaving them waiting
        // in a collective; a rank that simply exits finalizes.
        AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public override int Rank => _rank;

    public override int Size => _size;

    internal static MpiCommunicator Create() => new(MpiNative.Load());

    public override void AllReduceSum(Span<float> values)
    {
        ThrowIfFinalized();
        fixed (float* p = values)
        {
            nint request;
            MpiNative.Check(_mpi.Iallreduce(MpiNative.InPlace, (nint)p, values.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld, &request), "MPI_Iallreduce");
            Complete(request, "MPI_Allreduce");
        }
    }

    public override void AllReduceSum(Span<double> values)
    {
        ThrowIfFinalized();
        fixed (double* p = values)
        {
            nint request;
            MpiNative.Check(_mpi.Iallreduce(MpiNative.InPlace, (nint)p, values.Length, _mpi.Double, _mpi.Sum, _mpi.CommWorld, &request), "MPI_Iallreduce");
            Complete(request, "MPI_Allreduce");
        }
    }

    public override CommunicationRequest IAllReduceSum(float[] values, int count = -1)
    {
        ArgumentNullException.ThrowIfNull(values);
        ThrowIfFinalized();
        int n = count < 0 ? values.Length : count;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, values.Length, nameof(count));
        var pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        nint request;
        int code = _mpi.Iallreduce(MpiNative.InPlace, pin.AddrOfPinnedObject(), n, _mpi.Float, _mpi.Sum, _mpi.CommWorld, &request);
        if (code != 0)
        {
            pin.Free();
            MpiNative.Check(code, "MPI_Iallreduce");
        }

        return new MpiRequest(this, request, pin);
    }

    public override void Broadcast(Span<float> values, int root = 0)
    {
        CheckRoot(root);
        ThrowIfFinalized();
        fixed (float* p = values)
        {
            nint request;
            MpiNative.Check(_mpi.Ibcast((nint)p, values.Length, _mpi.Float, root, _mpi.CommWorld, &request), "MPI_Ibcast");
            Complete(request, "MPI_Bcast");
        }
    }

    public override void Broadcast(Span<byte> values, int root = 0)
    {
        CheckRoot(root);
        ThrowIfFinalized();
        fixed (byte* p = values)
        {
            nint request;
            MpiNative.Check(_mpi.Ibcast((nint)p, values.Length, _mpi.Byte, root, _mpi.CommWorld, &request), "MPI_Ibcast");
            Complete(request, "MPI_Bcast");
        }
    }

    public override void Barrier()
    {
        ThrowIfFinalized();
        nint request;
        MpiNative.Check(_mpi.Ibarrier(_mpi.CommWorld, &request), "MPI_Ibarrier");
        Complete(request, "MPI_Barrier");
    }

    public override void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _ = _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);
    }

    protected override void Dispose(bool disposing) => FinalizeOnce();

    private void FinalizeOnce()
    {
        if (_finalized)
        {
            return;
        }

        _finalized = true;
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        _ = _mpi.Finalize();
    }

    private void OnExit(object? sender, EventArgs e) => FinalizeOnce();

    private void OnUnhandled(object? sender, UnhandledExceptionEventArgs e)
    {
        Console.Error.WriteLine($"rank {_rank}: {e.ExceptionObject}");
        if (!_finalized)
        {
            Abort(1);
        }
    }

    /// <summary>Tests a request once; true when it has completed (the request is then freed by MPI).</summary>
    private bool TestOnce(ref nint request, string call)
    {
        int flag;
        nint r = request;
        MpiNative.Check(_mpi.Test(&r, &flag, 0), call);
        request = r;
        return flag != 0;
    }

    /// <summary>
    /// Polls a request with MPI_Test until it completes; past <see cref="Communicator.CollectiveTimeout"/> prints one
    /// line naming this rank and the collective and aborts every rank (a peer that is stuck never joins).
    /// </summary>
    private void Complete(nint request, string call)
    {
        if (TestOnce(ref request, call))
        {
            return;
        }

        TimeSpan limit = CollectiveTimeout;
        long start = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (!TestOnce(ref request, call))
        {
            if (limit > TimeSpan.Zero && Stopwatch.GetElapsedTime(start) > limit)
            {
                TimedOut(call, limit);
            }

            spin.SpinOnce();
        }
    }

    private void TimedOut(string call, TimeSpan limit)
    {
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"error: rank {_rank} of {_size}: {call} did not complete within {limit.TotalSeconds:0.###} s; another rank is stuck, "
            + $"deadlocked or far behind (the rank that did not print this line); aborting every rank. Raise the limit with "
            + $"{TimeoutVariable}=SECONDS (or Communicator.CollectiveTimeout) if a step legitimately takes longer."));
        Abort(ExitCodeTimeout);
    }

    private void ThrowIfFinalized()
    {
        if (_finalized)
        {
            throw new CommunicatorException("The MPI communicator was disposed (MPI finalized); no collective can run after it.");
        }
    }

    private sealed class MpiRequest(MpiCommunicator comm, nint request, GCHandle pin) : CommunicationRequest
    {
        private nint _request = request;
        private readonly GCHandle _pin = pin;
        private bool _done;

        public override bool IsCompleted => _done;

        public override bool Test()
        {
            if (_done)
            {
                return true;
            }

            if (comm.TestOnce(ref _request, "MPI_Test"))
            {
                Complete();
            }

            return _done;
        }

        public override void Wait()
        {
            if (_done)
            {
                return;
            }

            comm.Complete(_request, "MPI_Wait (gradient all-reduce)");
            Complete();
        }

        private void Complete()
        {
            _done = true;
            _pin.Free();
        }
    }
}
