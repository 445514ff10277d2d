using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Models;

namespace RevNet.Cli;

/// <summary>Option factories with validation, so a bad value is a parse error (one line, exit code 2).</summary>
internal static class CliOptions
{
    public static Option<string> Device() => Validated(
        new Option<string>("--device")
        {
            Description = "Compute device: auto, host, ilgpucpu, cuda or opencl (auto: CUDA, then an OpenCL GPU, then host; "
                + "the REVNET_DEVICE environment variable overrides auto).",
            DefaultValueFactory = _ => "auto",
        },
        value =>
        {
            try
            {
                ComputeDevice.ParseKind(value);
                return null;
            }
            catch (ArgumentException)
            {
                return $"unknown device '{value}'; expected one of: auto, host, ilgpucpu, cuda, opencl.";
            }
        });

    public static Option<string?> Data() => new("--data")
    {
        Description = "Folder with the MNIST-layout files (default: the bundled data/fashion-mnist, found from the current "
            + "directory or the app's folder upwards).",
    };

    public static Option<string> Model(string defaultName) => Validated(
        new Option<string>("--model")
        {
            Description = $"The model: {string.Join(", ", ModelZoo.Names)}.",
            DefaultValueFactory = _ => defaultName,
        },
        value => ModelZoo.Names.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
            ? null
            : $"unknown model '{value}'; expected one of: {string.Join(", ", ModelZoo.Names)}.");

    public static Option<int> Int(string name, string description, int defaultValue, int min) => Validated(
        new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue },
        value => value >= min ? null : $"{name} must be at least {min}, got {value}.");

    public static Option<int?> OptionalInt(string name, string description, int min) => Validated(
        new Option<int?>(name) { Description = description },
        value => value is null || value >= min ? null : $"{name} must be at least {min}, got {value}.");

    public static Option<float?> PositiveFloat(string name, string description) => Validated(
        new Option<float?>(name) { Description = description, CustomParser = InvariantFloat },
        value => value is null || (value > 0 && float.IsFinite(value.Value))
            ? null
            : $"{name} must be a finite number > 0, got {value?.ToString(CultureInfo.InvariantCulture)}.");

    public static Option<float?> NonNegativeFloat(string name, string description) => Validated(
        new Option<float?>(name) { Description = description, CustomParser = InvariantFloat },
        value => value is null || (value >= 0 && float.IsFinite(value.Value))
            ? null
            : $"{name} must be a finite number >= 0, got {value?.ToString(CultureInfo.InvariantCulture)}.");

    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices) => Validated(
        new Option<string>(name) { Description = $"{description} ({string.Join("|", choices)})", DefaultValueFactory = _ => defaultValue },
        value => choices.Contains(value, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"{name} must be one of {string.Join(", ", choices)}, got '{value}'.");

    public static Option<string?> OptionalChoice(string name, string description, params string[] choices) => Validated(
        new Option<string?>(name) { Description = $"{description} ({string.Join("|", choices)})" },
        value => value is null || choices.Contains(value, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"{name} must be one of {string.Join(", ", choices)}, got '{value}'.");

    public static Option<string?> File(string name, string description) => new(name) { Description = description };

    /// <summary>A size in bytes: a number with an optional B, KB, MB, GB, KiB, MiB or GiB.</summary>
    public static Option<string?> Bytes(string name, string description) => Validated(
        new Option<string?>(name) { Description = description },
        value => value is null || Units.ParseBytes(value) is not null
            ? null
            : $"{name}: '{value}' is not a size; write e.g. 2GiB, 512MiB, 1.5GB or a number of bytes.");

    /// <summary>
    /// Parses a number the same way in every culture: digits, one '.' as the decimal point, an optional exponent. A ','
    /// is rejected rather than read as a thousands separator ("0,05" would otherwise mean 5).
    /// </summary>
    private static float? InvariantFloat(ArgumentResult result)
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (token.Contains(',', StringComparison.Ordinal))
        {
            result.AddError($"{(result.Parent as OptionResult)?.Option.Name ?? "option"}: '{token}' is ambiguous; write numbers with a '.' "
                + "as the decimal point and no thousands separator (e.g. 0.05).");
            return null;
        }

        if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            result.AddError($"{(result.Parent as OptionResult)?.Option.Name ?? "option"}: '{token}' is not a number (e.g. 0.05 or 5e-4).");
            return null;
        }

        return value;
    }

    /// <summary>Adds a validator that reports <paramref name="check"/>'s message (null when the value is fine).</summary>
    private static Option<T> Validated<T>(Option<T> option, Func<T, string?> check)
    {
        option.Validators.Add(result => Validate(result, check));
        return option;
    }

    private static void Validate<T>(OptionResult result, Func<T, string?> check)
    {
        if (result.Errors.Any())
        {
            return;
        }

        T? value;
        try
        {
            value = result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return; // The conversion failed; the parser reports that error itself.
        }

        string? problem = value is null && default(T) is not null ? null : check(value!);
        if (problem is not null)
        {
            result.AddError(problem);
        }
    }
}
