using System.Globalization;

namespace RevNet.Cli;

/// <summary>Number formatting shared by the commands (invariant culture).</summary>
internal static class Units
{
    public static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    public static double ToMib(long bytes) => bytes / (1024.0 * 1024.0);

    public static string Percent(double? fraction) =>
        fraction is double f && !double.IsNaN(f) ? (100 * f).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-";

    public static string Fixed(double value, int decimals) =>
        double.IsNaN(value) ? "-" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Parses a size: bytes, or a number with B, KB, MB, GB, KiB, MiB or GiB; null when malformed.</summary>
    public static long? ParseBytes(string text)
    {
        string t = text.Trim();
        (string Suffix, double Factor)[] units =
        [
            ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
        ];
        double factor = 1;
        foreach ((string suffix, double f) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                t = t[..^suffix.Length].TrimEnd();
                factor = f;
                break;
            }
        }

        return double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v)
            && v > 0 && v * factor < long.MaxValue
            ? (long)(v * factor)
            : null;
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Seconds(double seconds) => seconds < 120
        ? seconds.ToString("F1", CultureInfo.InvariantCulture) + " s"
        : TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture) + " min";
}
