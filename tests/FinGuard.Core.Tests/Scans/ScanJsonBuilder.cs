using System.Text;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Tests.Scans;

/// <summary>Minimal Semgrep JSON and SARIF documents around the fragment a test is about.</summary>
internal static class ScanJsonBuilder
{
    public static string SemgrepResult(string severity, string checkId = "rules.example", string extra = "") =>
        """
        {"check_id": "CHECK_ID", "path": "src/app.py", "start": {"line": 7, "col": 1, "offset": 60}, "end": {"line": 7, "col": 9, "offset": 68},
         "extra": {"message": "example finding", "metadata": {}, "severity": "SEVERITY", "fingerprint": "abc123", "lines": "x"EXTRA}}
        """.Replace("CHECK_ID", checkId, StringComparison.Ordinal).Replace("SEVERITY", severity, StringComparison.Ordinal).Replace("EXTRA", extra, StringComparison.Ordinal);

    public static string Semgrep(string results, string errors = "") =>
        """{"version": "1.97.0", "results": [RESULTS], "errors": [ERRORS], "paths": {"scanned": ["src/app.py"]}}"""
            .Replace("RESULTS", results, StringComparison.Ordinal).Replace("ERRORS", errors, StringComparison.Ordinal);

    /// <summary>One run of <c>ExampleScanner</c> with the given rules, results and extra run properties.</summary>
    public static string Sarif(string results, string rules = "", string runExtra = "", string toolExtra = "") =>
        """
        {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
         "runs": [{"tool": {"driver": {"name": "ExampleScanner", "rules": [RULES]}TOOL_EXTRA}, "results": [RESULTS]RUN_EXTRA}]}
        """.Replace("RULES", rules, StringComparison.Ordinal).Replace("TOOL_EXTRA", toolExtra, StringComparison.Ordinal)
            .Replace("RUN_EXTRA", runExtra, StringComparison.Ordinal).Replace("RESULTS", results, StringComparison.Ordinal);

    public static string SarifResult(string extra = "", string ruleId = "EX1") =>
        """{"ruleId": "RULE_ID", "message": {"text": "example"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.cs"}, "region": {"startLine": 3}}}]EXTRA}"""
            .Replace("RULE_ID", ruleId, StringComparison.Ordinal).Replace("EXTRA", extra, StringComparison.Ordinal);

    public static ScanReport Parsed(string json)
    {
        var result = ScanReportParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.True(result.IsParsed, result.Error?.ToString());
        return result.Report;
    }

    public static ScanFormatError Failed(string json)
    {
        var result = ScanReportParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.False(result.IsParsed, "expected a format error");
        return result.Error;
    }
}
