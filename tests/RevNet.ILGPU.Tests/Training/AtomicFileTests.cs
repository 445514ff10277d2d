using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>Atomic writes replace the target whole and clean up what killed writers left behind.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_RemovesTemporariesOfDeadProcesses_KeepsLiveOnesAndOtherFiles()
    {
        string target = _dir.File("model.ckpt");
        string dead = _dir.File($".model.ckpt.{int.MaxValue - 7}.{Guid.NewGuid():N}.tmp"); // no such process
        string live = _dir.File($".model.ckpt.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"); // a write in progress here
        string other = _dir.File($".report.json.{int.MaxValue - 7}.{Guid.NewGuid():N}.tmp"); // another target's
        foreach (string f in new[] { dead, live, other })
        {
            File.WriteAllText(f, "partial");
        }

        AtomicFile.WriteAllBytes(target, [1, 2, 3]);

        File.ReadAllBytes(target).Should().Equal(1, 2, 3);
        File.Exists(dead).Should().BeFalse("its writer is gone");
        File.Exists(live).Should().BeTrue("its writer may still be writing");
        File.Exists(other).Should().BeTrue("it belongs to another file");
    }

    [Fact]
    public void Write_FailingWriter_LeavesThePreviousFileAndNoTemporary()
    {
        string target = _dir.File("a.json");
        AtomicFile.WriteAllBytes(target, [7]);

        Action act = () => AtomicFile.Write(target, _ => throw new IOException("disk full"));

        act.Should().Throw<IOException>();
        File.ReadAllBytes(target).Should().Equal(7);
        Directory.GetFiles(_dir.Path).Should().Equal(target);
    }
}
