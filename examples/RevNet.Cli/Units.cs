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

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Seconds(double seconds) => seconds < 120
        ? seconds.ToString("F1", CultureInfo.InvariantCulture) + " s"
        : TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture) + " min";
}
