using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RevNet.Cli;

/// <summary>
/// Words a command-line error in the app's terms: an unknown command lists the commands, a value that is not a number
/// says so instead of naming a .NET type (<c>System.Nullable`1[System.Int32]</c>).
/// </summary>
internal static partial class ParseErrorText
{
    /// <summary>The one-line message for a parse that failed.</summary>
    public static string Describe(ParseResult parse)
    {
        if (parse.CommandResult.Command is RootCommand root)
        {
            string commands = string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            string? first = parse.UnmatchedTokens.FirstOrDefault();
            return first is null || first.StartsWith('-')
                ? $"no command given; commands are: {commands} (see --help)"
                : $"unknown command '{first}'; commands are: {commands} (see --help)";
        }

        ParseError error = parse.Errors[0];
        return (NotAValue(error) ?? TypeNames(ErrorReport.OneLine(error.Message))) + " (see --help)";
    }

    /// <summary>A value that does not convert to the option's type, or null when the error is another one.</summary>
    private static string? NotAValue(ParseError error)
    {
        OptionResult? result = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        if (result is null || result.Tokens.Count == 0)
        {
            return null;
        }

        string name = result.Option.Name;
        Type type = Nullable.GetUnderlyingType(result.Option.ValueType) ?? result.Option.ValueType;
        foreach (Token token in result.Tokens)
        {
            string value = token.Value;
            if (type == typeof(int) && !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                return IsInteger().IsMatch(value)
                    ? $"{name}: {value} is out of range ({int.MinValue} to {int.MaxValue})."
                    : $"{name}: '{value}' is not a whole number.";
            }

            if (type == typeof(bool) && !bool.TryParse(value, out _))
            {
                return $"{name}: '{value}' is not true or false.";
            }
        }

        return null;
    }

    /// <summary>Replaces .NET type names that may remain in a parser message with words.</summary>
    private static string TypeNames(string message) =>
        TypeName().Replace(message, m => m.Groups["type"].Value switch
        {
            "Int32" or "Int64" => "a whole number",
            "Single" or "Double" => "a number",
            "Boolean" => "true or false",
            "String" => "text",
            _ => "a value",
        });

    [GeneratedRegex(@"^[+-]?[0-9]+$")]
    private static partial Regex IsInteger();

    [GeneratedRegex(@"'?System\.Nullable`1\[System\.(?<type>\w+)\]'?|'?System\.(?<type>\w+)(\[\])?'?")]
    private static partial Regex TypeName();
}
