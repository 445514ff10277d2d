using RevNet.ILGPU.Distributed;

namespace RevNet.ILGPU.Tests.Distributed;

/// <summary>A communicator of a given rank and size whose collectives throw unless a test double overrides them.</summary>
/// <param name="rank">This rank.</param>
/// <param name="size">The number of ranks.</param>
public class StubCommunicator(int rank, int size) : Communicator
{
    public override int Rank => rank;

    public override int Size => size;

    public override void AllReduceSum(Span<float> values) => throw new NotSupportedException();

    public override void AllReduceSum(Span<double> values) => throw new NotSupportedException();

    public override CommunicationRequest IAllReduceSum(float[] values, int count = -1) => throw new NotSupportedException();

    public override void Broadcast(Span<float> values, int root = 0) => throw new NotSupportedException();

    public override void Broadcast(Span<byte> values, int root = 0) => throw new NotSupportedException();

    public override void Barrier() => throw new NotSupportedException();

    public override void Abort(int exitCode) => throw new NotSupportedException();
}
