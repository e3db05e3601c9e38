using System.Text.Json.Nodes;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Tests.Scans;

/// <summary>Every sample in Scans/Samples parses to the summary in its <c>.expected.json</c>; adding a pair adds a test.</summary>
public sealed class ScanSampleTests
{
    [Fact]
    public void The_samples_cover_every_shape_the_brief_names()
    {
        Assert.Superset(
            new HashSet<string>(["semgrep-all-severities.json", "semgrep-clean.json", "semgrep.sarif", "gitleaks.sarif", "trivy.sarif", "codeql.sarif", "suppressions-and-kinds.sarif", "failed-runs.sarif", "empty-runs.sarif"]),
            new HashSet<string>(ScanSamples.Names));
    }

    [Theory]
    [MemberData(nameof(ScanSamples.All), MemberType = typeof(ScanSamples))]
    public void Each_sample_parses_to_its_expected_summary(string name)
    {
        var report = ScanSamples.Report(name);

        var expected = ScanSamples.Expected(name);
        var actual = ScanSamples.Summary(report);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{name}: expected {expected.ToJsonString()}, got {actual.ToJsonString()}");
    }

    [Fact]
    public void Semgrep_json_findings_carry_rule_path_line_message_and_fingerprint()
    {
        var report = ScanSamples.Report("semgrep-all-severities.json");

        var eval = report.Findings[0];
        Assert.Equal(
            new Finding("Semgrep", "python.lang.security.audit.eval-detected.eval-detected", ScanSeverity.Medium,
                "Detected the use of eval(). eval() can be dangerous if used to evaluate dynamic content.", "app/handlers.py", 42,
                "7f1c2a9b0d5e4f3a8b6c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a_0"),
            eval);
        Assert.Null(report.Findings.Single(f => f.RuleId == "python.inventory.flask-route").Fingerprint);
        Assert.DoesNotContain(report.Findings, f => f.RuleId.Contains("subprocess-shell-true", StringComparison.Ordinal));
    }

    [Fact]
    public void Semgrep_json_errors_keep_their_type_and_message_by_level()
    {
        var report = ScanSamples.Report("semgrep-all-severities.json");

        Assert.Equal(
            [
                "Semgrep: Timeout when running python.django.security.injection.sql.sql-injection-using-raw.sql-injection-db-cursor-execute on app/generated/schema.py:\n ",
                "Semgrep: PatternParseError: Pattern could not be parsed as a Python semgrep pattern",
            ],
            report.ToolErrors.Select(e => e.ToString()));
        var warning = Assert.Single(report.ToolWarnings);
        Assert.StartsWith("PartialParsing: Syntax error at line app/legacy.py:10:", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gitleaks_findings_default_to_warning_and_take_the_first_partial_fingerprint()
    {
        var report = ScanSamples.Report("gitleaks.sarif");

        Assert.All(report.Findings, f => Assert.Equal(ScanSeverity.Medium, f.Severity));
        Assert.Equal(("aws-access-token", "config/prod.env", (int?)3, "3f2a9c1d7b4e8f6a0c2e4b6d8f0a2c4e6b8d0f2a"),
            (report.Findings[0].RuleId, report.Findings[0].Path, report.Findings[0].Line, report.Findings[0].Fingerprint));
    }

    [Fact]
    public void Trivy_security_severity_decides_over_the_level_and_zero_falls_back_to_the_rule_level()
    {
        var report = ScanSamples.Report("trivy.sarif");

        Assert.Equal(
            [
                ("CVE-2022-23529", ScanSeverity.Critical),
                ("CVE-2023-26136", ScanSeverity.Medium),
                ("CVE-2024-29041", ScanSeverity.High),
                ("CVE-2024-28863", ScanSeverity.Low),
                ("DS002", ScanSeverity.High),
                ("CVE-2005-2541", ScanSeverity.Low),
            ],
            report.Findings.Select(f => (f.RuleId, f.Severity)));
        Assert.Equal(("package-lock.json", (int?)5321), (report.Findings[0].Path, report.Findings[0].Line));
    }

    [Fact]
    public void CodeQL_rules_come_from_the_extension_and_artifact_indexes_resolve_paths()
    {
        var report = ScanSamples.Report("codeql.sarif");

        Assert.Equal(
            [
                ("js/sql-injection", ScanSeverity.High, "web/db.js", 27),
                ("js/sql-injection", ScanSeverity.High, "web/db.js", 44),
                ("js/reflected-xss", ScanSeverity.Medium, "web/app.js", 31),
                ("js/unused-local-variable", ScanSeverity.Low, "web/app.js", 8),
                ("js/hardcoded-credentials", ScanSeverity.Critical, "web/config.js", 3),
            ],
            report.Findings.Select(f => (f.RuleId, f.Severity, f.Path, f.Line ?? 0)));
        Assert.Equal("8a1e0f2b6c3d4e5f:1", report.Findings[0].Fingerprint);
        Assert.Equal("CodeQL: Error: Unexpected token", Assert.Single(report.ToolErrors).ToString());
        Assert.Equal("CodeQL: 1 file could not be extracted; results in it may be missing.", Assert.Single(report.ToolWarnings).ToString());
    }

    [Fact]
    public void Failed_runs_explain_each_tool_error()
    {
        var report = ScanSamples.Report("failed-runs.sarif");

        Assert.Equal(
            [
                "Semgrep OSS: the tool reported that its execution was not successful (exit code 7: Invalid rules)",
                "Semgrep OSS: Invalid rule schema: One of these properties is missing: 'pattern', 'patterns', 'pattern-either', 'pattern-regex'",
                "Trivy: the run has no results array: the tool did not complete its analysis",
                "Semgrep OSS: Timeout when running python.lang.security.audit.eval-detected.eval-detected on app/generated/schema.py",
            ],
            report.ToolErrors.Select(e => e.ToString()));
        Assert.Equal("Semgrep OSS: --use-git-ignore is deprecated", Assert.Single(report.ToolWarnings).ToString());
    }

    [Fact]
    public void Spec_coverage_sample_maps_each_result_as_its_message_says()
    {
        var report = ScanSamples.Report("suppressions-and-kinds.sarif");

        var byNumber = report.Findings.ToDictionary(f => int.Parse(f.Message.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 13, 16, 17, 18, 19, 21, 22, 23], byNumber.Keys.Order());
        Assert.Equal(ScanSeverity.High, byNumber[1].Severity);
        Assert.Equal(ScanSeverity.Medium, byNumber[2].Severity);
        Assert.Equal(ScanSeverity.Low, byNumber[3].Severity);
        Assert.Equal(ScanSeverity.Info, byNumber[4].Severity);
        Assert.Equal((ScanSeverity.Critical, "src/Ledger/Account.cs", (int?)15), (byNumber[5].Severity, byNumber[5].Path, byNumber[5].Line));
        Assert.Equal(ScanSeverity.Medium, byNumber[6].Severity);
        Assert.Equal(ScanSeverity.High, byNumber[7].Severity);
        Assert.Equal(ScanSeverity.High, byNumber[16].Severity);
        Assert.Equal(ScanSeverity.Medium, byNumber[19].Severity);
        Assert.Equal(("FGX-7", ScanSeverity.High, (string?)null), (byNumber[21].RuleId, byNumber[21].Severity, byNumber[21].Path));
        Assert.Equal(("FGX-7", ScanSeverity.High, "e3b0c44298fc1c14"), (byNumber[22].RuleId, byNumber[22].Severity, byNumber[22].Fingerprint));
        Assert.Equal(ScanSeverity.Low, byNumber[23].Severity);
    }
}
