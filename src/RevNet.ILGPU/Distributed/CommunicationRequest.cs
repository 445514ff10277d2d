namespace RevNet.ILGPU.Distributed;

/// <summary>A nonblocking collective in flight (<see cref="Communicator.IAllReduceSum"/>).</summary>
public abstract class CommunicationRequest
{
    /// <summary>A request that is already complete.</summary>
    public static CommunicationRequest Completed { get; } = new DoneRequest();

    /// <summary>Whether it has completed (as of the last <see cref="Test"/> or <see cref="Wait"/>).</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Makes progress and reports whether the operation has completed; never blocks.</summary>
    /// <returns>True once complete (the buffer then holds the result and is released).</returns>
    public abstract bool Test();

    /// <summary>Blocks until the operation completes.</summary>
    public abstract void Wait();

    private sealed class DoneRequest : CommunicationRequest
    {
        public override bool IsCompleted => true;

        public override bool Test() => true;

        public override void Wait()
        {
        }
    }
}
