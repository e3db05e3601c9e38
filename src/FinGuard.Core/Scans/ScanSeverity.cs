namespace FinGuard.Core.Scans;

/// <summary>
/// FinGuard's normalised severity of a scanner finding, lowest first so thresholds compare with <c>&gt;=</c>.
/// How each format's severities map onto it is tabled in docs/scans.md.
/// </summary>
public enum ScanSeverity
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}

public static class ScanSeverityNames
{
    /// <summary>Every severity, highest first: the order summaries list them in.</summary>
    public static IReadOnlyList<ScanSeverity> HighestFirst { get; } =
        [ScanSeverity.Critical, ScanSeverity.High, ScanSeverity.Medium, ScanSeverity.Low, ScanSeverity.Info];

    /// <summary>The lower-case name used in JSON, policy files and messages: <c>critical</c>, <c>high</c>, …</summary>
    public static string Name(this ScanSeverity severity) => severity switch
    {
        ScanSeverity.Info => "info",
        ScanSeverity.Low => "low",
        ScanSeverity.Medium => "medium",
        ScanSeverity.High => "high",
        ScanSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "not a scan severity"),
    };

    /// <summary>Reads a lower-case name written by <see cref="Name"/>.</summary>
    public static bool TryParse(string? name, out ScanSeverity severity)
    {
        foreach (var candidate in HighestFirst)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                severity = candidate;
                return true;
            }
        }

        severity = default;
        return false;
    }
}
