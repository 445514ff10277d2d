namespace RevNet.ILGPU.Tests.Distributed;

/// <summary>Collectives of <see cref="RevNet.ILGPU.Distributed.Communicator"/> over Open MPI at np=2 (skipped without mpirun).</summary>
public sealed class MpiCollectiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("revnet-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public void AllReduce_IAllReduce_and_Broadcast_match_a_double_reference_on_every_rank()
    {
        MpiRun.SkipIfUnavailable();
        (int code, string output) = MpiRun.Run(2, MpiRun.WorkerDll, ["allreduce", _dir]);
        code.Should().Be(0, output);
        const int n = 1003;
        byte[] rank0 = File.ReadAllBytes(Path.Combine(_dir, "allreduce.0.bin"));
        File.ReadAllBytes(Path.Combine(_dir, "allreduce.1.bin")).Should().Equal(rank0, "every rank holds the same result");
        using var r = new BinaryReader(new MemoryStream(rank0));
        r.ReadInt32().Should().Be(2);
        float[] blocking = Read(r, n);
        float[] nonblocking = Read(r, n);
        float[] broadcast = Read(r, n);
        for (int i = 0; i < n; i++)
        {
            double sum = (double)Value(0, i) + Value(1, i);
            // Two floats summed once: the float result is the correctly rounded double sum.
            blocking[i].Should().Be((float)sum, $"element {i}");
            nonblocking[i].Should().Be((float)sum, $"element {i}");
            broadcast[i].Should().Be(Value(1, i), "the broadcast came from the last rank");
            r.ReadDouble().Should().Be(sum, $"double element {i}");
        }
    }

    [SkippableFact]
    public void Communicator_outside_mpirun_is_the_single_process_and_needs_no_MPI()
    {
        // This test process was not started by mpirun.
        Skip.If(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null, "running under mpirun");
        using RevNet.ILGPU.Distributed.Communicator world = RevNet.ILGPU.Distributed.Communicator.World;
        world.Should().BeSameAs(RevNet.ILGPU.Distributed.Communicator.Single);
        world.Rank.Should().Be(0);
        world.Size.Should().Be(1);
        float[] x = [1, 2, 3];
        world.AllReduceSum(x.AsSpan());
        world.IAllReduceSum(x).Test().Should().BeTrue();
        x.Should().Equal(1, 2, 3);
        RevNet.ILGPU.Distributed.Communicator.ForProcesses(1).Should().BeSameAs(RevNet.ILGPU.Distributed.Communicator.Single);
    }

    [SkippableFact]
    public void Asking_for_two_processes_without_mpirun_names_the_fix()
    {
        Skip.If(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null, "running under mpirun");
        Action act = () => RevNet.ILGPU.Distributed.Communicator.ForProcesses(2);
        // Without Open MPI the error says how to install it; with it, how to launch.
        act.Should().Throw<Exception>().Where(e =>
            (e is RevNet.ILGPU.Distributed.MpiUnavailableException && e.Message.Contains("apt-get install", StringComparison.Ordinal)) ||
            (e is RevNet.ILGPU.Distributed.CommunicatorException && e.Message.Contains("mpirun -np 2", StringComparison.Ordinal)));
    }

    internal static float Value(int rank, int i) => (float)(Math.Sin((i * 0.37) + (rank * 1.3)) * (1 + (i % 7)));

    private static float[] Read(BinaryReader r, int n)
    {
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = r.ReadSingle();
        }

        return v;
    }
}
