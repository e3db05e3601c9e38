using FinGuard.Core.Scans;
using static FinGuard.Core.Tests.Scans.ScanJsonBuilder;

namespace FinGuard.Core.Tests.Scans;

public sealed class SemgrepJsonParserTests
{
    [Theory]
    [InlineData("ERROR", ScanSeverity.High)]
    [InlineData("WARNING", ScanSeverity.Medium)]
    [InlineData("INFO", ScanSeverity.Low)]
    [InlineData("LOW", ScanSeverity.Low)]
    [InlineData("MEDIUM", ScanSeverity.Medium)]
    [InlineData("HIGH", ScanSeverity.High)]
    [InlineData("CRITICAL", ScanSeverity.Critical)]
    [InlineData("EXPERIMENT", ScanSeverity.Info)]
    [InlineData("INVENTORY", ScanSeverity.Info)]
    [InlineData("error", ScanSeverity.High)]
    [InlineData("Warning", ScanSeverity.Medium)]
    [InlineData("critical", ScanSeverity.Critical)]
    [InlineData("inventory", ScanSeverity.Info)]
    public void Each_semgrep_severity_maps_case_insensitively(string severity, ScanSeverity expected)
    {
        var report = Parsed(Semgrep(SemgrepResult(severity)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(new Finding("Semgrep", "rules.example", expected, "example finding", "src/app.py", 7, "abc123"), finding);
        Assert.Equal(ScanFormat.SemgrepJson, report.Format);
        Assert.Equal<string>(["Semgrep"], report.Tools);
    }

    [Fact]
    public void An_unknown_severity_is_a_format_error_naming_the_path_and_the_allowed_values()
    {
        var error = Failed(Semgrep(SemgrepResult("WARNING") + "," + SemgrepResult("SEVERE")));

        Assert.Equal(ScanFormat.SemgrepJson, error.Format);
        Assert.StartsWith("results[1].extra.severity: \"SEVERE\" is not a Semgrep severity (ERROR, WARNING, INFO, LOW, MEDIUM, HIGH, CRITICAL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignored_findings_are_counted_as_suppressed_not_as_findings()
    {
        var report = Parsed(Semgrep(SemgrepResult("ERROR", extra: ", \"is_ignored\": true") + "," + SemgrepResult("ERROR", extra: ", \"is_ignored\": false")));

        Assert.Single(report.Findings);
        Assert.Equal(1, report.Suppressed);
    }

    [Fact]
    public void Start_and_fingerprint_are_optional()
    {
        var report = Parsed(Semgrep("""{"check_id": "r", "path": "a.py", "extra": {"message": "m", "severity": "INFO"}}"""));

        Assert.Equal(new Finding("Semgrep", "r", ScanSeverity.Low, "m", "a.py", null, null), Assert.Single(report.Findings));
    }

    [Theory]
    [InlineData("""{"path": "a.py", "extra": {"message": "m", "severity": "INFO"}}""", "results[0].check_id: required, expected a string")]
    [InlineData("""{"check_id": "r", "extra": {"message": "m", "severity": "INFO"}}""", "results[0].path: required, expected a string")]
    [InlineData("""{"check_id": "r", "path": "a.py"}""", "results[0].extra: required, expected an object")]
    [InlineData("""{"check_id": "r", "path": "a.py", "extra": {"message": "m"}}""", "results[0].extra.severity: required, expected a string")]
    [InlineData("""{"check_id": "r", "path": "a.py", "extra": {"severity": "INFO"}}""", "results[0].extra.message: required, expected a string")]
    [InlineData("""{"check_id": 12, "path": "a.py", "extra": {"message": "m", "severity": "INFO"}}""", "results[0].check_id: expected a string, found the number 12")]
    [InlineData("""{"check_id": "r", "path": "a.py", "start": {"line": "7"}, "extra": {"message": "m", "severity": "INFO"}}""", "results[0].start.line: expected an integer of at least 1, found the string \"7\"")]
    [InlineData("""{"check_id": "r", "path": "a.py", "start": {"line": 0}, "extra": {"message": "m", "severity": "INFO"}}""", "results[0].start.line: 0 is less than 1")]
    [InlineData("""{"check_id": "r", "path": "a.py", "extra": {"message": "m", "severity": "INFO", "is_ignored": "yes"}}""", "results[0].extra.is_ignored: expected true or false, found the string \"yes\"")]
    [InlineData("""{"check_id": "r", "path": "a.py", "extra": {"message": "m", "severity": "INFO", "fingerprint": 5}}""", "results[0].extra.fingerprint: expected a string, found the number 5")]
    [InlineData("\"not a result\"", "results[0]: expected an object, found the string \"not a result\"")]
    public void Needed_fields_are_checked_strictly(string result, string message)
    {
        var error = Failed(Semgrep(result));

        Assert.Equal(message, error.Message);
        Assert.Equal($"Semgrep JSON: {message}", error.ToString());
    }

    [Fact]
    public void Unneeded_fields_may_have_any_shape()
    {
        var report = Parsed("""
            {"version": 3, "paths": "whatever", "time": [1, 2], "skipped_rules": {"x": null},
             "results": [{"check_id": "r", "path": "a.py", "end": "??", "extra": {"message": "m", "severity": "HIGH", "metadata": 7, "lines": null, "metavars": []}}],
             "errors": []}
            """);

        Assert.Equal(ScanSeverity.High, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void Error_level_errors_are_tool_errors_and_warn_levels_are_warnings_and_info_is_dropped()
    {
        var report = Parsed(Semgrep("", """
            {"code": 2, "level": "error", "type": "Timeout", "message": "Timeout when running r on a.py"},
            {"code": 3, "level": "warn", "type": "Syntax error", "message": "Syntax error at line b.py:1"},
            {"code": 3, "level": "warning", "type": "Lexical error", "message": "bad token", "path": "c.py"},
            {"code": 0, "level": "info", "type": "Syntax error", "message": "skipped d.py"},
            {"code": 2, "level": "ERROR", "type": "Fatal error", "message": "Out of memory"}
            """));

        Assert.Equal(["Timeout when running r on a.py", "Fatal error: Out of memory"], report.ToolErrors.Select(e => e.Message));
        Assert.Equal(["Syntax error at line b.py:1", "Lexical error: bad token (c.py)"], report.ToolWarnings.Select(e => e.Message));
        Assert.All(report.ToolErrors, e => Assert.Equal("Semgrep", e.Tool));
    }

    [Fact]
    public void Error_type_may_be_a_string_or_an_array_led_by_the_variant_name()
    {
        var report = Parsed(Semgrep("", """
            {"code": 7, "level": "error", "type": ["PatternParseError", ["rules", "0", "pattern"]], "message": "Invalid pattern"},
            {"code": 3, "level": "error", "type": ["PartialParsing", [{"path": "a.py", "start": {"line": 1, "col": 1}, "end": {"line": 1, "col": 2}}]], "message": "Partial parsing of a.py"},
            {"code": 7, "level": "error", "type": ["IncompatibleRule", {"rule_id": "r", "this_version": "1.0.0", "min_version": "2.0.0"}]},
            {"code": 2, "level": "error", "type": "Rule parse error", "short_msg": "bad rule"},
            {"code": 2, "level": "error"}
            """));

        Assert.Equal(
            ["PatternParseError: Invalid pattern", "PartialParsing: Partial parsing of a.py", "IncompatibleRule", "Rule parse error: bad rule", "error without a message"],
            report.ToolErrors.Select(e => e.Message));
    }

    [Theory]
    [InlineData("""{"level": "fatal", "type": "x", "message": "m"}""", "errors[0].level: \"fatal\" is not a Semgrep error level (error, warn, info)")]
    [InlineData("""{"type": "x", "message": "m"}""", "errors[0].level: required, expected a string")]
    [InlineData("""{"level": "error", "type": 3, "message": "m"}""", "errors[0].type: expected a string or an array starting with a string, found the number 3")]
    [InlineData("""{"level": "error", "type": [], "message": "m"}""", "errors[0].type: expected a string or an array starting with a string, found an array")]
    [InlineData("""{"level": "error", "type": [1], "message": "m"}""", "errors[0].type[0]: expected a string, found the number 1")]
    [InlineData("""{"level": "error", "type": "x", "message": {"text": "m"}}""", "errors[0].message: expected a string, found an object")]
    public void Error_fields_are_checked_strictly(string error, string message)
    {
        Assert.Equal(message, Failed(Semgrep("", error)).Message);
    }

    [Fact]
    public void Errors_must_be_an_array_when_present()
    {
        Assert.Equal("errors: expected an array, found an object", Failed("""{"results": [], "errors": {}, "paths": {}}""").Message);
    }

    [Fact]
    public void Absent_errors_mean_none()
    {
        var report = Parsed("""{"version": "1.97.0", "results": []}""");

        Assert.Empty(report.ToolErrors);
        Assert.Empty(report.Findings);
    }
}
