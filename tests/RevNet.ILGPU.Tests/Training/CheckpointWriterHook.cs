using RevNet.ILGPU.Training;

#pragma warning disable CA1050 // .NET finds a startup hook by this exact global name.

/// <summary>
/// A .NET startup hook inside the test assembly: started as a child process
/// (<c>DOTNET_STARTUP_HOOKS=RevNet.ILGPU.Tests.dll dotnet exec RevNet.ILGPU.Tests.dll</c>) with
/// <c>REVNET_CHECKPOINT_STRESS=path</c>, it writes checkpoints with increasing steps to that path until killed.
/// In every other process the variable is unset and it does nothing.
/// </summary>
internal static class StartupHook
{
    public const string PathVariable = "REVNET_CHECKPOINT_STRESS";
    public const string StartVariable = "REVNET_CHECKPOINT_STRESS_START";

    public static void Initialize()
    {
        string? path = Environment.GetEnvironmentVariable(PathVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        long step = long.Parse(Environment.GetEnvironmentVariable(StartVariable) ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        CheckpointData template = RevNet.ILGPU.Tests.Training.CheckpointDurabilityTests.Payload(0);
        while (true)
        {
            Checkpoint.Save(path, template with { GlobalStep = step++ });
        }
    }
}
