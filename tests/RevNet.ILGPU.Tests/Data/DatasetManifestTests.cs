using RevNet.ILGPU.Data;

namespace RevNet.ILGPU.Tests.Data;

/// <summary>Issue #14: a manifest with null or out-of-range values is a <see cref="DataFormatException"/>, not a crash.</summary>
public sealed class DatasetManifestTests : IDisposable
{
    private const string Sha = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("""{"files":{"a.gz":{"sha256":null}}}""", "must be 64 hex digits, got null")]
    [InlineData("""{"files":{"a.gz":null}}""", "must be 64 hex digits, got null")]
    [InlineData("""{"files":{"a.gz":"xyz"}}""", "must be 64 hex digits")]
    [InlineData("""{"files":{"a.gz":{"sha256":"0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056","bytes":-4}}}""", "a.gz.bytes is -4")]
    [InlineData("""{"files":{},"images":{"train":-5}}""", "images.train is -5")]
    [InlineData("""{"files":{},"usableImages":{"train":0}}""", "usableImages.train is 0")]
    [InlineData("""{"files":{},"images":{"train":null}}""", "not a valid dataset manifest")]
    [InlineData("""{"files":{},"images":{"train":1e12}}""", "not a valid dataset manifest")]
    public void TryRead_NullOrOutOfRangeValue_IsADataFormatErrorNamingIt(string json, string expected)
    {
        File.WriteAllText(_dir.File(DatasetManifest.FileName), json);

        Action act = () => DatasetManifest.TryRead(_dir.Path);

        act.Should().Throw<DataFormatException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void TryRead_ValidEntry_KeepsHashAndSize()
    {
        File.WriteAllText(_dir.File(DatasetManifest.FileName), """{"files":{"a.gz":{"sha256":"SHA","bytes":5}},"images":{"train":3}}""".Replace("SHA", Sha.ToUpperInvariant(), StringComparison.Ordinal));

        DatasetManifest manifest = DatasetManifest.TryRead(_dir.Path)!;

        manifest.Files["a.gz"].Should().Be(Sha);
        manifest.FileSizes["a.gz"].Should().Be(5);
        manifest.ExpectedImages["train"].Should().Be(3);
    }
}
