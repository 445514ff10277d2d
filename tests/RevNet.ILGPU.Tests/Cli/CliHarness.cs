using RevNet.Cli;

namespace RevNet.ILGPU.Tests.Cli;

/// <summary>What one run of the app printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The non-empty lines of the error output.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Asserts a user-facing failure: non-zero exit, exactly one <c>error: ...</c> line, no stack trace.</summary>
    public void ShouldBeOneLineError(int expectedExitCode)
    {
        ExitCode.Should().Be(expectedExitCode, "stderr was: {0}", Error);
        ErrorLines.Should().ContainSingle("a user error is one line, got: {0}", Error);
        ErrorLines[0].Should().StartWith("error: ");
        Error.Should().NotContain("   at ", "no stack trace without --verbose");
    }

    /// <summary>Asserts success with nothing on the error writer.</summary>
    public void ShouldSucceed()
    {
        ExitCode.Should().Be(ExitCodes.Success, "stderr was: {0}\nstdout was: {1}", Error, Output);
        Error.Should().BeEmpty();
    }
}

/// <summary>Runs the app in-process with captured writers, and owns a temporary folder for its files.</summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Folder = Path.Combine(Path.GetTempPath(), "revnet-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The bundled Fashion-MNIST (the test host's working folder is outside the repository).</summary>
    public static string DataFolder => RevNet.ILGPU.Tests.Data.BundledData.Directory;

    public static CliResult Run(params string[] args) => Run(CancellationToken.None, args);

    public static CliResult Run(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public string PathOf(string name) => Path.Combine(Folder, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
