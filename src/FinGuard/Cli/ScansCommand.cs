using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Scans;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard scans summarize FILE [--json]</c>: reads one Semgrep <c>--json</c> or SARIF 2.1.0 file with the parser
/// the scan-status control uses and prints what it found. Exit 0 when the file was read (whatever it found), 2 for bad
/// usage or a file that is unreadable or neither format (with a specific message on stderr).
/// </summary>
/// <remarks>
/// <c>--json</c> prints <c>{"format": "semgrep-json"|"sarif", "tools": [...], "findings": {"critical": n, "high": n,
/// "medium": n, "low": n, "info": n}, "suppressed": n, "toolErrors": n}</c>. The severity mapping is in docs/scans.md.
/// </remarks>
public static class ScansCommand
{
    public const string Usage = "usage: finguard scans summarize FILE [--json]";

    /// <summary>How many findings the human summary lists before "… and N more".</summary>
    private const int ListedFindings = 20;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        if (args.Length == 0 || args[0] != "summarize")
        {
            await stderr.WriteLineAsync(args.Length == 0
                ? $"finguard scans: a subcommand is required. {Usage}"
                : $"finguard scans: unknown subcommand '{args[0]}'. {Usage}");
            return 2;
        }

        string? file = null;
        var json = false;
        foreach (var arg in args.Skip(1))
        {
            if (arg == "--json")
            {
                json = true;
            }
            else if (file is null && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                file = arg;
            }
            else
            {
                await stderr.WriteLineAsync($"finguard scans summarize: unexpected argument '{arg}'. {Usage}");
                return 2;
            }
        }

        if (file is null)
        {
            await stderr.WriteLineAsync($"finguard scans summarize: FILE is required. {Usage}");
            return 2;
        }

        byte[] bytes;
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                await stderr.WriteLineAsync($"finguard scans summarize: {file}: no such file.");
                return 2;
            }

            if (info.Length > ScanReportParser.MaxInputBytes)
            {
                await stderr.WriteLineAsync($"finguard scans summarize: {file}: the file is {info.Length} bytes, over the {ScanReportParser.MaxInputBytes / (1024 * 1024)} MiB limit for scanner output.");
                return 2;
            }

            bytes = await File.ReadAllBytesAsync(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            await stderr.WriteLineAsync($"finguard scans summarize: {file}: cannot be read: {ex.Message}");
            return 2;
        }

        var result = ScanReportParser.Parse(bytes);
        if (!result.IsParsed)
        {
            await stderr.WriteLineAsync($"finguard scans summarize: {file}: {result.Error}");
            return 2;
        }

        if (json)
        {
            await stdout.WriteLineAsync(ToJson(result.Report).ToJsonString(Indented));
        }
        else
        {
            await WriteSummaryAsync(result.Report, stdout);
        }

        return 0;
    }

    /// <summary>The documented <c>--json</c> shape.</summary>
    public static JsonObject ToJson(ScanReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var findings = new JsonObject();
        foreach (var severity in ScanSeverityNames.HighestFirst)
        {
            findings[severity.Name()] = report.Count(severity);
        }

        return new JsonObject
        {
            ["format"] = report.Format.Name(),
            ["tools"] = new JsonArray([.. report.Tools.Select(t => (JsonNode)t)]),
            ["findings"] = findings,
            ["suppressed"] = report.Suppressed,
            ["toolErrors"] = report.ToolErrors.Length,
        };
    }

    private static async Task WriteSummaryAsync(ScanReport report, TextWriter stdout)
    {
        var tools = report.Tools.IsEmpty ? "no tool runs" : string.Join(", ", report.Tools);
        var counts = string.Join(", ", ScanSeverityNames.HighestFirst.Select(s => $"{report.Count(s)} {s.Name()}"));
        await stdout.WriteLineAsync($"{report.Format.DisplayName()} from {tools}: {Plural(report.Findings.Length, "finding")} ({counts})");
        await stdout.WriteLineAsync($"{report.Suppressed} suppressed, {Plural(report.ToolErrors.Length, "tool error")}, {Plural(report.ToolWarnings.Length, "tool warning")}");
        foreach (var error in report.ToolErrors)
        {
            await stdout.WriteLineAsync($"  tool error: {OneLine(error.ToString())}");
        }

        foreach (var warning in report.ToolWarnings)
        {
            await stdout.WriteLineAsync($"  tool warning: {OneLine(warning.ToString())}");
        }

        foreach (var finding in report.Findings.OrderByDescending(f => f.Severity).Take(ListedFindings))
        {
            await stdout.WriteLineAsync($"  {finding}");
        }

        if (report.Findings.Length > ListedFindings)
        {
            await stdout.WriteLineAsync($"  … and {report.Findings.Length - ListedFindings} more");
        }
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
