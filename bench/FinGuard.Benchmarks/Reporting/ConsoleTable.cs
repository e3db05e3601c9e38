using System.Globalization;
using System.Text;

namespace FinGuard.Benchmarks.Reporting;

/// <summary>A Markdown table written to the console, so results can be pasted into bench/README.md as they are.</summary>
public sealed class ConsoleTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public ConsoleTable Add(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        rows.Add([.. cells.Select(Format)]);
        return this;
    }

    public void Write()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var text = new StringBuilder();
        Line(text, headers, widths);
        text.Append('|');
        foreach (var width in widths)
        {
            text.Append(new string('-', width + 2)).Append('|');
        }

        text.AppendLine();
        foreach (var row in rows)
        {
            Line(text, row, widths);
        }

        Console.Write(text.ToString());
        Console.WriteLine();
    }

    /// <summary>"0.42 ms", "12.3 ms", "2.35 s".</summary>
    public static string Milliseconds(double value) =>
        double.IsNaN(value) ? "n/a"
        : value >= 1000 ? (value / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Ratio(double value) => double.IsNaN(value) || double.IsInfinity(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>"met" or "MISSED", for the target column.</summary>
    public static string Verdict(bool met) => met ? "met" : "MISSED";

    private static void Line(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            text.Append(' ').Append((i < cells.Length ? cells[i] : string.Empty).PadRight(widths[i])).Append(" |");
        }

        text.AppendLine();
    }

    private static string Format(object? cell) => cell switch
    {
        null => string.Empty,
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? string.Empty,
    };
}
