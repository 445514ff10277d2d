using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;

namespace RevNet.ILGPU.Models;

/// <summary>
/// The RevNet and ResNet builders of the RevNet paper (Gomez et al., 2017), following the authors' code and the
/// PyTorch peer, plus small variants for 28x28 images.
/// </summary>
public static class ModelZoo
{
    private static readonly ModelSpec[] Specs =
    [
        new("revnet38", true, false, [3, 3, 3], [32, 64, 112], 32),
        new("revnet110", true, false, [9, 9, 9], [32, 64, 128], 32),
        new("revnet164", true, true, [9, 9, 9], [128, 256, 512], 32),
        new("resnet32", false, false, [5, 5, 5], [16, 32, 64], 16),
        new("resnet110", false, false, [18, 18, 18], [16, 32, 64], 16),
        new("resnet164", false, true, [18, 18, 18], [64, 128, 256], 16),
        // Small variants for 28x28 images (Fashion-MNIST), with about the same parameter count (93k and 97k).
        new("revnet-small", true, false, [2, 2, 2], [16, 32, 64], 16),
        new("resnet-small", false, false, [2, 2, 2], [12, 24, 48], 12),
    ];

    /// <summary>The names <see cref="Create(string, ComputeDevice, ModelOptions?)"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Specs.Select(s => s.Name)];

    /// <summary>The architecture behind a name.</summary>
    /// <param name="name">A name from <see cref="Names"/> (case-insensitive).</param>
    /// <returns>The spec.</returns>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ModelSpec Spec(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Array.Find(Specs, s => string.Equals(s.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"Unknown model '{name}'. Known models: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>Builds a named model on a device.</summary>
    /// <param name="name">A name from <see cref="Names"/>.</param>
    /// <param name="device">The device for the weights.</param>
    /// <param name="options">Input shape, classes and seed (default: CIFAR-10, seed 0).</param>
    /// <returns>The model, owned by the caller.</returns>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Model Create(string name, ComputeDevice device, ModelOptions? options = null) =>
        Create(Spec(name), device, options);

    /// <summary>Builds a model from an architecture.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="device">The device for the weights.</param>
    /// <param name="options">Input shape, classes and seed (default: CIFAR-10, seed 0).</param>
    /// <returns>The model, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The spec or the options are invalid.</exception>
    public static Model Create(ModelSpec spec, ComputeDevice device, ModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(device);
        options ??= ModelOptions.Cifar10;
        spec.Validate();
        if (options.InputChannels <= 0 || options.Classes <= 0 || options.ImageSize <= 0 || options.ImageSize % 4 != 0)
        {
            throw new ArgumentException(
                $"Invalid options {options}: positive sizes and an image size divisible by 4 are required.", nameof(options));
        }

        var builder = new Builder(spec, device, options.Seed, options.Arithmetic);
        Sequential network = builder.Build(options);
        return new Model(spec.Name, spec.Depth, spec.Reversible, options, network);
    }

    /// <summary>Builds the layers in the authors' order, drawing one seed per weighted layer.</summary>
    private sealed class Builder(ModelSpec spec, ComputeDevice device, int seed, CouplingArithmetic arithmetic)
    {
        private readonly Random _seeds = new(seed);

        public Sequential Build(ModelOptions options)
        {
            // The stem is checkpointed, so that in Reconstruct mode it keeps only the images and recomputes once.
            var stem = new List<ILayer>
            {
                Conv(options.InputChannels, spec.Stem, 3, 1, "stem.conv"),
                new BatchNorm2d(device, spec.Stem, relu: true, name: "stem.bn"),
            };
            var layers = new List<ILayer> { new Recomputed(new Sequential("stem", stem)) };
            int cin = spec.Stem;
            for (int s = 0; s < 3; s++)
            {
                int width = spec.Widths[s];
                for (int j = 0; j < spec.Units[s]; j++)
                {
                    string name = string.Create(CultureInfo.InvariantCulture, $"stage{s + 1}.unit{j}");
                    int stride = j == 0 && s > 0 ? 2 : 1;
                    layers.Add(spec.Reversible
                        ? RevUnit(cin, width, stride, j == 0, preact: !(s == 0 && j == 0), name)
                        : ResUnit(cin, width, stride, preact: !(s == 0 && j == 0), name));
                    cin = width;
                }
            }

            layers.Add(new BatchNorm2d(device, cin, relu: true, name: "head.bn"));
            layers.Add(new GlobalAvgPool());
            layers.Add(new Linear(device, cin, options.Classes, _seeds.Next(), "head.fc"));
            return new Sequential(layers);
        }

        [System.Diagnostics.CodeAnalysis.SuppressMessage(
            "Reliability", "CA2000", Justification = "The coupling takes ownership of F, G and the shortcuts.")]
        private ILayer RevUnit(int cin, int cout, int stride, bool transition, bool preact, string name)
        {
            int hi = cin / 2;
            int ho = cout / 2;
            return transition
                ? new CouplingTransition(
                    Residual(hi, ho, stride, preact, name + ".f"),
                    Residual(ho, ho, 1, true, name + ".g"),
                    Shortcut(hi, ho, stride, name + ".s1"),
                    Shortcut(hi, ho, stride, name + ".s2"),
                    name,
                    arithmetic)
                : new ReversibleBlock(
                    Residual(hi, ho, stride, preact, name + ".f"), Residual(ho, ho, 1, true, name + ".g"), name, arithmetic);
        }

        private ResidualUnit ResUnit(int cin, int cout, int stride, bool preact, string name) =>
            new(Residual(cin, cout, stride, preact, name + ".f"), Shortcut(cin, cout, stride, name + ".shortcut"), name);

        /// <summary>Pre-activation residual function; without preact the leading BN-ReLU is dropped.</summary>
        private Sequential Residual(int cin, int cout, int stride, bool preact, string name)
        {
            var layers = new List<ILayer>();
            if (preact)
            {
                layers.Add(new BatchNorm2d(device, cin, relu: true, name: name + ".bn0"));
            }

            if (spec.Bottleneck)
            {
                int mid = cout / 4;
                layers.Add(Conv(cin, mid, 1, stride, name + ".conv1"));
                layers.Add(new BatchNorm2d(device, mid, relu: true, name: name + ".bn1"));
                layers.Add(Conv(mid, mid, 3, 1, name + ".conv2"));
                layers.Add(new BatchNorm2d(device, mid, relu: true, name: name + ".bn2"));
                layers.Add(Conv(mid, cout, 1, 1, name + ".conv3"));
            }
            else
            {
                layers.Add(Conv(cin, cout, 3, stride, name + ".conv1"));
                layers.Add(new BatchNorm2d(device, cout, relu: true, name: name + ".bn1"));
                layers.Add(Conv(cout, cout, 3, 1, name + ".conv2"));
            }

            return new Sequential(layers);
        }

        private ILayer? Shortcut(int cin, int cout, int stride, string name)
        {
            if (stride == 1 && cin == cout)
            {
                return null;
            }

            return spec.Bottleneck ? Conv(cin, cout, 1, stride, name) : new PoolPadShortcut(cin, cout, stride);
        }

        private Conv2d Conv(int cin, int cout, int k, int stride, string name) =>
            new(device, cin, cout, k, stride, k / 2, _seeds.Next(), name);
    }
}
