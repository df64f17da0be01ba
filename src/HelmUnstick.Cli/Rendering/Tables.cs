using Spectre.Console;

namespace HelmUnstick.Cli.Rendering;

internal static class Tables
{
    /// <summary>A borderless table in the style of kubectl and helm, so output can be read and grepped.</summary>
    public static Table Plain(params string[] headers)
    {
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        foreach (var h in headers)
        {
            table.AddColumn(new TableColumn(h).NoWrap().PadRight(3).PadLeft(0));
        }

        return table;
    }

    public static void AddRow(this Table table, IEnumerable<string> cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());
}
