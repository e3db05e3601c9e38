using System.Collections.Immutable;

namespace FinGuard.Core.Scans;

/// <summary>
/// One scanner output file, normalised: which format and tools produced it, the open findings with FinGuard
/// severities, how many findings were suppressed, and what went wrong with the tools themselves.
/// Built by <see cref="ScanReportParser.Parse"/>.
/// </summary>
public sealed record ScanReport
{
    public required ScanFormat Format { get; init; }

    /// <summary>Tool names in the order they first appear (one per SARIF run, without repeats; <c>Semgrep</c> for Semgrep JSON).</summary>
    public required ImmutableArray<string> Tools { get; init; }

    /// <summary>Open findings in file order. Suppressed results and SARIF results whose kind is not <c>fail</c> are not here.</summary>
    public required ImmutableArray<Finding> Findings { get; init; }

    /// <summary>Findings the tool reported as suppressed (SARIF suppressions accepted; Semgrep <c>is_ignored</c>).</summary>
    public required int Suppressed { get; init; }

    /// <summary>
    /// The tool did not run (completely): Semgrep errors of level <c>error</c>; SARIF error-level execution or
    /// configuration notifications, <c>executionSuccessful: false</c>, or a run without a <c>results</c> array.
    /// A report with tool errors may be missing findings.
    /// </summary>
    public required ImmutableArray<ToolMessage> ToolErrors { get; init; }

    /// <summary>
    /// Problems the tool reported that did not stop it: Semgrep errors of level <c>warn</c>/<c>warning</c>; SARIF
    /// notifications of level <c>warning</c>. Informational messages are not kept.
    /// </summary>
    public required ImmutableArray<ToolMessage> ToolWarnings { get; init; }

    /// <summary>How many open findings have exactly <paramref name="severity"/>.</summary>
    public int Count(ScanSeverity severity)
    {
        var count = 0;
        foreach (var finding in Findings)
        {
            if (finding.Severity == severity)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>How many open findings have <paramref name="threshold"/> or a higher severity.</summary>
    public int CountAtOrAbove(ScanSeverity threshold)
    {
        var count = 0;
        foreach (var finding in Findings)
        {
            if (finding.Severity >= threshold)
            {
                count++;
            }
        }

        return count;
    }
}
