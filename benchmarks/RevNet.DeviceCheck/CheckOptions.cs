using System.Globalization;
using RevNet.ILGPU.Devices;

namespace RevNet.DeviceCheck;

/// <summary>The command line: which device, how big, where the JSON goes.</summary>
internal sealed record CheckOptions
{
    public const string Usage = """
        RevNet.DeviceCheck — runs the ILGPU kernels on a GPU and compares them with the managed Host backend.
        Usage: RevNet.DeviceCheck [--device cuda|opencl|ilgpucpu] [--out devicecheck.json] [--batch N] [--steps N]
          --device   cuda (default) or opencl: the GPU to check; ilgpucpu: a smoke test of the whole check on
                     ILGPU's CPU simulator at tiny sizes (no GPU needed, slow; the training
                     steps run revnet-small and resnet-small on 8x8 images, simple kernels).
          --out      where the JSON report goes (default devicecheck.json).
          --batch    training batch (default 128 on a GPU, 2 on ilgpucpu).
          --steps    timed training steps per model (default 5 on a GPU, 1 on ilgpucpu).
        Exit codes: 0 all ops agree, 2 no such device, 3 an op disagrees with Host, 1 any other failure.
        """;

    public DeviceKind Device { get; init; } = DeviceKind.Cuda;

    public string OutPath { get; init; } = "devicecheck.json";

    public int? Batch { get; init; }

    public int? Steps { get; init; }

    /// <summary>Whether sizes are cut down for the CPU simulator.</summary>
    public bool Small => Device == DeviceKind.IlgpuCpu;

    public int TrainingBatch => Batch ?? (Small ? 2 : 128);

    public int TrainingSteps => Steps ?? (Small ? 1 : 5);

    /// <summary>The models whose training steps are timed: RevNet-110 and ResNet-110, or small twins.</summary>
    public IReadOnlyList<string> Models => Small ? ["revnet-small", "resnet-small"] : ["revnet110", "resnet110"];

    /// <summary>Parses the arguments; null (after printing why) when they are wrong or help was asked for.</summary>
    public static CheckOptions? Parse(string[] args)
    {
        var options = new CheckOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return null;
            }

            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"Missing value after {name}.\n{Usage}");
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--device":
                    options = options with { Device = ComputeDevice.ParseKind(value) };
                    break;
                case "--out":
                    options = options with { OutPath = value };
                    break;
                case "--batch":
                    options = options with { Batch = PositiveInt(value, name) };
                    break;
                case "--steps":
                    options = options with { Steps = PositiveInt(value, name) };
                    break;
                default:
                    Console.Error.WriteLine($"Unknown option {name}.\n{Usage}");
                    return null;
            }
        }

        if (options.Device is not (DeviceKind.Cuda or DeviceKind.OpenCL or DeviceKind.IlgpuCpu))
        {
            Console.Error.WriteLine($"--device must be cuda, opencl or ilgpucpu, not {options.Device}.");
            return null;
        }

        return options;
    }

    private static int PositiveInt(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{name} needs a positive integer, got '{value}'.");
}
