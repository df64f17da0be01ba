using System.Text;

namespace HelmUnstick.Cli.Rendering;

/// <summary>The Markdown pieces the incident note and its revision-diff section share.</summary>
internal static class Markdown
{
    /// <summary>Text that stays inside one table cell: pipes escaped, newlines flattened.</summary>
    public static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    /// <summary>A heading, a blank line, then one bullet per item.</summary>
    public static void AppendList(StringBuilder text, string heading, IEnumerable<string> items)
    {
        text.AppendLine(heading);
        text.AppendLine();
        foreach (var item in items)
        {
            text.AppendLine($"- {item}");
        }
    }
}
