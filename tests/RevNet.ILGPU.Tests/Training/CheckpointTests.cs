using System.Buffers.Binary;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static CheckpointData Sample() => new()
    {
        ArchitectureId = "tiny-mlp/784-8-10 ✓",
        Epoch = 3,
        GlobalStep = 1234,
        Counters = new EpochCounters(12.5, 40, 64, 2, 3, 1, 0.75, 0.01f),
        TotalSeconds = 42.5,
        SkippedBatches = 2,
        RandomState = [1UL, 2UL, ulong.MaxValue, 0x1234_5678_9ABC_DEF0UL],
        Loader = new LoaderPosition(3, 2, 77, 32, 1000),
        Parameters =
        [
            new NamedArray("fc1.weight", [2, 3], [1f, -2f, float.NaN, -0f, float.PositiveInfinity, 1e-30f]),
            new NamedArray("fc1.bias", [2], [0.5f, -0.5f]),
        ],
        Buffers = [new NamedArray("bn.running_var", [2], [1f, 2f])],
        Optimizer = new OptimizerState("sgd", 1234, 0.05f, [new NamedArray("fc1.bias#momentum", [2], [0.1f, 0.2f])]),
        HistoryJson = "[{\"Epoch\":1}]",
    };

    [Fact]
    public void SerializeRead_RoundTripsEveryFieldBitExactly()
    {
        CheckpointData original = Sample();
        byte[] bytes = Checkpoint.Serialize(original);

        CheckpointData back = Checkpoint.Read(new MemoryStream(bytes), "mem");

        back.Should().BeEquivalentTo(original, o => o.Excluding(d => d.Parameters).Excluding(d => d.Buffers).Excluding(d => d.Optimizer));
        AssertArrays(back.Parameters, original.Parameters);
        AssertArrays(back.Buffers, original.Buffers);
        back.Optimizer!.Kind.Should().Be("sgd");
        back.Optimizer.StepCount.Should().Be(1234);
        back.Optimizer.LearningRate.Should().Be(0.05f);
        AssertArrays(back.Optimizer.Tensors, original.Optimizer!.Tensors);
    }

    [Fact]
    public void Save_WritesAtomically_ReplacesTheOldFile_LeavesNoTemporaryFiles()
    {
        string path = Path.Combine(_dir.Path, "nested", "run.ckpt");
        Checkpoint.Save(path, Sample());
        Checkpoint.Save(path, Sample() with { GlobalStep = 99 });

        Checkpoint.Load(path).GlobalStep.Should().Be(99);
        Directory.GetFiles(Path.GetDirectoryName(path)!).Should().Equal(path);
    }

    [Fact]
    public void Read_EverySingleBitFlip_IsRejected()
    {
        byte[] bytes = Checkpoint.Serialize(Sample());
        int accepted = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                bytes[i] ^= (byte)(1 << bit);
                try
                {
                    Checkpoint.Read(new MemoryStream(bytes), "flip");
                    accepted++;
                }
                catch (CheckpointException)
                {
                }

                bytes[i] ^= (byte)(1 << bit);
            }
        }

        accepted.Should().Be(0, "every one of the {0} single-bit flips must be caught", bytes.Length * 8);
    }

    [Fact]
    public void Read_EveryTruncation_IsRejected()
    {
        byte[] bytes = Checkpoint.Serialize(Sample());
        for (int len = 0; len < bytes.Length; len++)
        {
            Action act = () => Checkpoint.Read(new MemoryStream(bytes, 0, len), "cut");
            act.Should().Throw<CheckpointException>().Which.Message.Should().Contain("cut");
        }
    }

    [Fact]
    public void Load_BitFlippedFile_ThrowsChecksumMismatchNamingTheFile()
    {
        string path = _dir.File("flip.ckpt");
        Checkpoint.Save(path, Sample());
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        CheckpointException ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));

        ex.FilePath.Should().Be(path);
        ex.Message.Should().Contain("checksum").And.Contain(path);
    }

    [Fact]
    public void Load_NotACheckpoint_ThrowsWrongMagic()
    {
        string path = _dir.File("x.ckpt");
        File.WriteAllText(path, "definitely not a checkpoint, but long enough to hold a header ..........");
        Assert.Throws<CheckpointException>(() => Checkpoint.Load(path)).Message.Should().Contain("wrong magic");
    }

    [Fact]
    public void Read_FutureVersion_ThrowsNamingTheVersion()
    {
        byte[] bytes = Checkpoint.Serialize(Sample());
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 7);
        Assert.Throws<CheckpointException>(() => Checkpoint.Read(new MemoryStream(bytes), "v7"))
            .Message.Should().Contain("version 7").And.Contain($"version {Checkpoint.FormatVersion}");
    }

    [Fact]
    public void Read_AbsurdPayloadLength_RejectedBeforeAllocating()
    {
        byte[] bytes = Checkpoint.Serialize(Sample());
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 1_000_000_000_000L);
        long before = GC.GetAllocatedBytesForCurrentThread();
        CheckpointException ex = Assert.Throws<CheckpointException>(() => Checkpoint.Read(new MemoryStream(bytes), "huge"));
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
        ex.Offset.Should().Be(16);
        ex.Message.Should().Contain("1000000000000");
    }

    [Fact]
    public void ApplyModel_MatchingModel_CopiesWeightsAndBuffers()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var source = new TinyMlp(device, 12, 5, 3, seed: 1);
        using var target = new TinyMlp(device, 12, 5, 3, seed: 2);
        (IReadOnlyList<NamedArray> parameters, IReadOnlyList<NamedArray> buffers) = ModelState.Capture(source);
        var data = new CheckpointData { ArchitectureId = "mlp", Parameters = parameters, Buffers = buffers };

        ModelState.Apply(Checkpoint.Read(new MemoryStream(Checkpoint.Serialize(data)), "m"), target, "mlp");

        for (int i = 0; i < source.Parameters.Count; i++)
        {
            target.Parameters[i].Value.ToArray().Should().Equal(source.Parameters[i].Value.ToArray());
        }

        target.Buffers[0].Value.ToArray().Should().Equal(source.Buffers[0].Value.ToArray());
    }

    [Fact]
    public void ApplyModel_OtherArchitecture_ThrowsNamingBoth()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var model = new TinyMlp(device, 12, 5, 3, seed: 1);
        var data = new CheckpointData { ArchitectureId = "revnet38/32x32x3/10" };
        Action act = () => ModelState.Apply(data, model, "revnet110/32x32x3/10", "a.ckpt");
        act.Should().Throw<CheckpointException>().WithMessage("*a.ckpt*revnet38/32x32x3/10*revnet110/32x32x3/10*");
    }

    [Fact]
    public void ApplyModel_MissingExtraOrReshapedTensors_ThrowsListingThem_AndChangesNothing()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var source = new TinyMlp(device, 12, 5, 3, seed: 1);
        using var target = new TinyMlp(device, 12, 6, 3, seed: 2);
        float[] before = target.Parameters[3].Value.ToArray();
        (IReadOnlyList<NamedArray> parameters, IReadOnlyList<NamedArray> buffers) = ModelState.Capture(source);
        var renamed = parameters.Select(p => p.Name == "fc2.bias" ? new NamedArray("head.bias", p.Dimensions, p.Data) : p).ToList();
        var data = new CheckpointData { ArchitectureId = "mlp", Parameters = renamed, Buffers = buffers };

        Action act = () => ModelState.Apply(data, target, "mlp");

        act.Should().Throw<CheckpointException>()
            .WithMessage("*missing: fc2.bias*not in the model: head.bias*fc1.weight is [5, 12] in the checkpoint, [6, 12] in the model*");
        target.Parameters[3].Value.ToArray().Should().Equal(before);
    }

    private static void AssertArrays(IReadOnlyList<NamedArray> actual, IReadOnlyList<NamedArray> expected)
    {
        actual.Select(a => a.Name).Should().Equal(expected.Select(e => e.Name));
        for (int i = 0; i < actual.Count; i++)
        {
            actual[i].Dimensions.Should().Equal(expected[i].Dimensions);
            actual[i].Data.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected[i].Data.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
