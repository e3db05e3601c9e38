using System.Diagnostics.CodeAnalysis;

namespace FinGuard.Core.Scans;

/// <summary>
/// Why a file could not be read as scanner output. <see cref="Message"/> is specific: it names the JSON path and
/// what was expected there (<c>runs[0].results[3].level: "critical" is not a SARIF level (none, note, warning, error)</c>),
/// or why the file is neither format. It never quotes more of the file than the offending value.
/// </summary>
/// <param name="Format">The format the file claimed to be, or null when it is neither.</param>
/// <param name="Message">What is wrong, without the format prefix.</param>
public sealed record ScanFormatError(ScanFormat? Format, string Message)
{
    /// <summary><c>SARIF 2.1.0: runs[0]…: …</c>, or just the message when the format is unknown.</summary>
    public override string ToString() => Format is { } format ? $"{format.DisplayName()}: {Message}" : Message;
}

/// <summary>What <see cref="ScanReportParser.Parse"/> made of a file: a <see cref="Report"/> or an <see cref="Error"/>, never both.</summary>
public sealed record ScanParseResult
{
    private ScanParseResult(ScanReport? report, ScanFormatError? error)
    {
        Report = report;
        Error = error;
    }

    public ScanReport? Report { get; }

    public ScanFormatError? Error { get; }

    [MemberNotNullWhen(true, nameof(Report))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsParsed => Report is not null;

    public static ScanParseResult Parsed(ScanReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new(report, null);
    }

    public static ScanParseResult Failed(ScanFormatError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error);
    }

    public override string ToString() => IsParsed ? $"{Report.Format.Name()}: {Report.Findings.Length} findings" : Error.ToString();
}
