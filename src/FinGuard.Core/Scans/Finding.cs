namespace FinGuard.Core.Scans;

/// <summary>
/// One open finding a scanner reported: not suppressed, and (for SARIF) of kind <c>fail</c>.
/// </summary>
/// <param name="Tool">The tool that reported it: <c>Semgrep</c> for Semgrep JSON, <c>tool.driver.name</c> for SARIF.</param>
/// <param name="RuleId">The rule (check) that matched, e.g. <c>python.lang.security.audit.eval-detected</c> or <c>CVE-2024-1234</c>.</param>
/// <param name="Severity">The normalised severity (see docs/scans.md for the mapping).</param>
/// <param name="Message">What the tool said about it.</param>
/// <param name="Path">The file, as the tool wrote it (relative to the scanned root, or a URI); null when the tool gave none.</param>
/// <param name="Line">The 1-based start line; null when the tool gave none.</param>
/// <param name="Fingerprint">The tool's stable identity for the finding (Semgrep <c>fingerprint</c>, SARIF <c>partialFingerprints</c> or <c>fingerprints</c>); null when none.</param>
public sealed record Finding(
    string Tool,
    string RuleId,
    ScanSeverity Severity,
    string Message,
    string? Path,
    int? Line,
    string? Fingerprint)
{
    /// <summary><c>high python.lang.eval at app.py:12 (Semgrep)</c>: the one-line form used in explanations.</summary>
    public override string ToString()
    {
        var where = Path is null ? string.Empty : Line is null ? $" at {Path}" : $" at {Path}:{Line}";
        return $"{Severity.Name()} {RuleId}{where} ({Tool})";
    }
}
