using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>
/// Mutation fuzzing of the checkpoint loader (issue 5): only <see cref="CheckpointException"/> may escape, no runaway
/// allocation, and every changed file is rejected (the SHA-256 checksum covers the payload; the header is validated
/// field by field).
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Read_MutatedCheckpoints_OnlyTypedErrors_AndNoChangedFileLoads()
    {
        byte[] original = Checkpoint.Serialize(CheckpointTests.Sample());

        (int rejected, int parsed) = Fuzz.Run<CheckpointException, CheckpointData>(
            original,
            seed: 300,
            Fuzz.Iterations(),
            bytes => Checkpoint.Read(new MemoryStream(bytes, writable: false), "fuzz.ckpt"),
            (bytes, data) =>
            {
                bytes.Should().Equal(original, "only an unchanged file may load");
                data.GlobalStep.Should().Be(1234);
            });

        output.WriteLine($"Checkpoint: {rejected} rejected with CheckpointException, {parsed} unchanged inputs loaded.");
        rejected.Should().BeGreaterThan(Fuzz.Iterations() * 9 / 10);
    }
}
