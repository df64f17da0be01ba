using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace HelmUnstick.Cli.Rendering;

/// <summary>The command to paste next, built from the one just run so it passes the same checks the same way.</summary>
internal static partial class NextCommand
{
    /// <summary>
    /// The command line as typed, as <c>fix</c>, with <c>--apply</c>: the cluster flags, the strategy and every
    /// override with its reason carry over.
    /// </summary>
    public static string FixApply(ParseResult result)
    {
        var words = new List<string> { "helm-unstick" };
        foreach (var token in result.Tokens)
        {
            words.Add(token.Type == TokenType.Command ? "fix" : Quoted(token.Value));
        }

        words.Add("--apply");
        return string.Join(' ', words);
    }

    /// <summary>Single-quoted for a POSIX shell unless it is made of characters no shell treats specially.</summary>
    private static string Quoted(string word) =>
        SafeWord().IsMatch(word) ? word : $"'{word.Replace("'", "'\\''")}'";

    [GeneratedRegex("^[A-Za-z0-9@%+=:,./_-]+$")]
    private static partial Regex SafeWord();
}
