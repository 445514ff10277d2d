using System.Diagnostics;
using System.Globalization;
using RevNet.ILGPU.Data;
using RevNet.ILGPU.Tests.Data;
using RevNet.ILGPU.Training;
using Xunit.Abstractions;

namespace RevNet.ILGPU.Tests.Training;

/// <summary>
/// Issue 5: a child process writes checkpoints in a loop and is killed (SIGKILL) at random moments; the checkpoint
/// path must always hold an intact checkpoint, and a partial temporary file must never load as a valid one.
/// <c>REVNET_DURABILITY_KILLS</c> overrides the number of kills (8 in a normal run).
/// </summary>
public sealed class CheckpointDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A checkpoint of about 4 MB, so a kill usually lands in the middle of a write.</summary>
    public static CheckpointData Payload(long step)
    {
        var rng = new DeterministicRandom(42);
        float[] big = new float[1 << 20];
        for (int i = 0; i < big.Length; i++)
        {
            big[i] = rng.NextSingle();
        }

        return CheckpointTests.Sample() with
        {
            GlobalStep = step,
            Parameters = [new NamedArray("big.weight", [1024, 1024], big), .. CheckpointTests.Sample().Parameters],
        };
    }

    [Fact]
    public void Save_ChildKilledAtRandomMoments_PreviousCheckpointAlwaysLoads()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("REVNET_DURABILITY_KILLS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k > 0 ? k : 8;
        string path = _dir.File("run.ckpt");
        Checkpoint.Save(path, Payload(0));
        long last = 0;
        int partial = 0;
        int completeTemps = 0;
        var rng = new DeterministicRandom(7);
        for (int i = 0; i < kills; i++)
        {
            using (Process child = StartWriter(path, last + 1))
            {
                Thread.Sleep(250 + rng.NextInt(500));
                child.HasExited.Should().BeFalse($"the writer must still be running (stderr: {(child.HasExited ? child.StandardError.ReadToEnd() : string.Empty)})");
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }

            CheckpointData data = Checkpoint.Load(path);
            data.GlobalStep.Should().BeGreaterThanOrEqualTo(last, "checkpoints only move forward");
            data.Parameters[0].Data.Length.Should().Be(1 << 20);
            last = data.GlobalStep;

            foreach (string temp in Directory.GetFiles(_dir.Path, "*.tmp"))
            {
                try
                {
                    Checkpoint.Load(temp);
                    completeTemps++;
                }
                catch (CheckpointException)
                {
                    partial++;
                }

                File.Delete(temp);
            }
        }

        output.WriteLine($"{kills} kills: last step {last}, {partial} partial temporary files rejected, {completeTemps} complete ones.");
        last.Should().BeGreaterThan(0, "the children wrote checkpoints before being killed");
        partial.Should().BeGreaterThan(0, "some kills landed in the middle of a write, and the partial files were rejected");
        Directory.GetFiles(_dir.Path).Should().Equal(path);
    }

    private static Process StartWriter(string path, long start)
    {
        string assembly = typeof(CheckpointDurabilityTests).Assembly.Location;
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(assembly);
        info.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        info.Environment[StartupHook.PathVariable] = path;
        info.Environment[StartupHook.StartVariable] = start.ToString(CultureInfo.InvariantCulture);
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start the writer process.");
    }
}
