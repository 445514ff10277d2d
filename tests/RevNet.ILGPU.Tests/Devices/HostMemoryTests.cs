using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tests.Data;

namespace RevNet.ILGPU.Tests.Devices;

/// <summary>
/// Issue #14, a host budget that honours the container: <see cref="HostMemory"/> fed fake <c>/proc</c> and
/// <c>/sys/fs/cgroup</c> trees for cgroup v2 and v1.
/// </summary>
public sealed class HostMemoryTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempDir _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void V2_LimitBelowMachine_IsLimitMinusUsageWithoutInactiveCache()
    {
        MemInfo(8192 * MiB);
        V2(string.Empty, max: Bytes(1024 * MiB), current: 300 * MiB, inactiveFile: 100 * MiB);

        HostMemory.AvailableBytes(_root.Path).Should().Be((1024 - 200) * MiB);
    }

    [Fact]
    public void V2_Max_IsNoLimit()
    {
        MemInfo(8192 * MiB);
        V2(string.Empty, max: "max", current: 300 * MiB, inactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(8192 * MiB);
    }

    [Fact]
    public void V2_MachineBelowLimit_IsTheMachine()
    {
        MemInfo(512 * MiB);
        V2(string.Empty, max: Bytes(4096 * MiB), current: 100 * MiB, inactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(512 * MiB);
    }

    [Fact]
    public void V2_ProcessInANestedGroup_TakesTheSmallestHeadroomUpTheTree()
    {
        MemInfo(8192 * MiB);
        Write("proc/self/cgroup", "0::/app/worker\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        V2("app/worker", max: Bytes(2048 * MiB), current: 100 * MiB, inactiveFile: 0);
        V2("app", max: Bytes(1024 * MiB), current: 600 * MiB, inactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(424 * MiB, "the parent's 1 GiB with 600 MiB used leaves less");
    }

    [Fact]
    public void V2_UsageAboveLimit_IsZero()
    {
        MemInfo(8192 * MiB);
        V2(string.Empty, max: Bytes(256 * MiB), current: 300 * MiB, inactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(0);
    }

    [Fact]
    public void V1_Limit_IsLimitMinusUsageWithoutInactiveCache()
    {
        MemInfo(8192 * MiB);
        Write("proc/self/cgroup", "5:devices:/\n4:memory:/docker/abc\n0::/\n");
        V1(string.Empty, limit: 2048 * MiB, usage: 700 * MiB, totalInactiveFile: 200 * MiB);

        HostMemory.AvailableBytes(_root.Path).Should().Be(1548 * MiB, "the host path /docker/abc is not mounted, the root is the container's");
    }

    [Fact]
    public void V1_UnlimitedValue_IsNoLimit()
    {
        MemInfo(3000 * MiB);
        Write("proc/self/cgroup", "4:memory:/process_api/c9\n");
        V1(string.Empty, limit: 9223372036854771712, usage: 700 * MiB, totalInactiveFile: 0);
        V1("process_api/c9", limit: 9223372036854771712, usage: 700 * MiB, totalInactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(3000 * MiB);
    }

    [Fact]
    public void V1_NestedGroupWithALimit_IsFound()
    {
        MemInfo(8192 * MiB);
        Write("proc/self/cgroup", "4:cpuacct,memory:/jobs/42\n");
        V1(string.Empty, limit: 9223372036854771712, usage: 4000 * MiB, totalInactiveFile: 0);
        V1("jobs/42", limit: 1024 * MiB, usage: 24 * MiB, totalInactiveFile: 0);

        HostMemory.AvailableBytes(_root.Path).Should().Be(1000 * MiB);
    }

    [Fact]
    public void NoCgroup_IsMemAvailable()
    {
        MemInfo(1234 * MiB);

        HostMemory.AvailableBytes(_root.Path).Should().Be(1234 * MiB);
    }

    [Fact]
    public void NothingReadable_IsNull()
    {
        HostMemory.AvailableBytes(_root.Path).Should().BeNull();
    }

    [Fact]
    public void ThisMachine_IsPositiveAndAtMostTheGcView()
    {
        long available = HostMemory.AvailableBytes();

        available.Should().BePositive();
        available.Should().BeLessThanOrEqualTo(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes + (64 * MiB));
    }

    private void MemInfo(long availableBytes) =>
        Write("proc/meminfo", $"MemTotal:       16000000 kB\nMemFree:          100000 kB\nMemAvailable:   {availableBytes / 1024,8} kB\n");

    private void V2(string group, string max, long current, long inactiveFile)
    {
        string dir = Path.Combine("sys/fs/cgroup", group);
        Write(Path.Combine(dir, "memory.max"), max + "\n");
        Write(Path.Combine(dir, "memory.current"), Bytes(current) + "\n");
        Write(Path.Combine(dir, "memory.stat"), $"anon 1000\nfile 2000\ninactive_file {inactiveFile}\nactive_file 5\n");
    }

    private void V1(string group, long limit, long usage, long totalInactiveFile)
    {
        string dir = Path.Combine("sys/fs/cgroup/memory", group);
        Write(Path.Combine(dir, "memory.limit_in_bytes"), Bytes(limit) + "\n");
        Write(Path.Combine(dir, "memory.usage_in_bytes"), Bytes(usage) + "\n");
        Write(Path.Combine(dir, "memory.stat"), $"cache 10\ninactive_file 7\ntotal_inactive_file {totalInactiveFile}\n");
    }

    private static string Bytes(long value) => value.ToString(CultureInfo.InvariantCulture);

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_root.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
