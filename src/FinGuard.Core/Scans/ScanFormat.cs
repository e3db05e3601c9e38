namespace FinGuard.Core.Scans;

/// <summary>The scanner output formats <see cref="ScanReportParser"/> reads.</summary>
public enum ScanFormat
{
    /// <summary>Semgrep's own <c>semgrep scan --json</c> output.</summary>
    SemgrepJson,

    /// <summary>SARIF 2.1.0, from any tool (Semgrep, Gitleaks, Trivy, CodeQL, …).</summary>
    Sarif,
}

public static class ScanFormatNames
{
    /// <summary>The name used in JSON output: <c>semgrep-json</c> or <c>sarif</c>.</summary>
    public static string Name(this ScanFormat format) => format switch
    {
        ScanFormat.SemgrepJson => "semgrep-json",
        ScanFormat.Sarif => "sarif",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a scan format"),
    };

    /// <summary>The name used in human-readable messages: <c>Semgrep JSON</c> or <c>SARIF 2.1.0</c>.</summary>
    public static string DisplayName(this ScanFormat format) => format switch
    {
        ScanFormat.SemgrepJson => "Semgrep JSON",
        ScanFormat.Sarif => "SARIF 2.1.0",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a scan format"),
    };
}
