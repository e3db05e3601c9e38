using System.Collections.Immutable;
using FinGuard.Core.Results;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Tests.Scans;

/// <summary>The <c>scan-status</c> control over real scanner outputs (the samples) and check runs.</summary>
public sealed class ScanStatusControlTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly ScanStatusPolicy ChecksOnly = new()
    {
        RequiredChecks = [new RequiredCheck { Name = "CodeQL" }, new RequiredCheck { Name = "semgrep", App = "github-actions", AllowedConclusions = ["success", "neutral"] }],
    };

    private static readonly ScanStatusPolicy SemgrepArtifact = new()
    {
        Artifacts = [new ScanArtifact { Name = "semgrep-results", Files = ["semgrep.json"] }],
    };

    private static CheckRunFact Run(long id, string name, string status, string? conclusion, string app = "github-actions", string sha = Sha) =>
        new(id, name, app, status, conclusion, sha, $"https://github.com/o/r/runs/{id}");

    private static ScanFacts Found(string sample, string sha = Sha) => new()
    {
        Files = [new ScanFileFact
        {
            Artifact = "semgrep-results",
            File = "semgrep.json",
            State = ScanFileState.Found,
            WorkflowRunId = 77,
            WorkflowName = "Security",
            HeadSha = sha,
            Parsed = ScanReportParser.Parse(ScanSamples.Bytes(sample)),
        }],
    };

    private static ControlResult Evaluate(ScanStatusPolicy policy, ScanFacts? facts, DateTimeOffset? at = null) =>
        ScanStatusControl.Evaluate(policy, facts, Sha, at ?? At);

    [Fact]
    public void Without_sources_the_control_is_skipped_and_says_how_to_configure_it()
    {
        var result = Evaluate(new ScanStatusPolicy(), new ScanFacts());

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Contains("scan-status.required-checks", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_is_skipped_even_with_sources()
    {
        Assert.Equal(ControlStatus.Skipped, Evaluate(ChecksOnly with { Enabled = false }, null).Status);
    }

    [Fact]
    public void Sources_configured_but_facts_not_loaded_is_an_error_not_a_pass()
    {
        var result = Evaluate(ChecksOnly, null);

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.NotNull(result.HowToFix);
    }

    [Fact]
    public void Required_checks_pass_only_when_the_latest_run_on_the_head_concluded_allowed()
    {
        var facts = new ScanFacts
        {
            CheckRuns =
            [
                Run(1, "CodeQL", "completed", "failure"),
                Run(2, "CodeQL", "completed", "success"), // re-run: the newer run counts
                Run(3, "semgrep", "completed", "neutral"),
            ],
        };

        var result = Evaluate(ChecksOnly, facts);

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Scans on 0123456 are clean: 2 required check(s) passed, 0 scan file(s) without findings at or above high.", result.Summary);
    }

    [Fact]
    public void A_missing_or_running_check_is_pending_and_a_failed_one_fails_with_its_link_and_a_fix()
    {
        var pending = Evaluate(ChecksOnly, new ScanFacts { CheckRuns = [Run(1, "CodeQL", "in_progress", null)] });
        Assert.Equal(ControlStatus.Pending, pending.Status);
        Assert.Contains(pending.Details, d => d.Subject == "check CodeQL" && d.Message.Contains("in progress", StringComparison.Ordinal));
        Assert.Contains(pending.Details, d => d.Subject == "check semgrep (github-actions)" && d.Message.Contains("not been reported", StringComparison.Ordinal));

        var failed = Evaluate(ChecksOnly, new ScanFacts { CheckRuns = [Run(1, "CodeQL", "completed", "success"), Run(2, "semgrep", "completed", "skipped")] });
        Assert.Equal(ControlStatus.Fail, failed.Status);
        var detail = Assert.Single(failed.Reasons);
        Assert.Contains("concluded `skipped`", detail, StringComparison.Ordinal);
        Assert.Contains("https://github.com/o/r/runs/2", detail, StringComparison.Ordinal);
        Assert.Contains("semgrep", failed.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_check_by_another_app_or_on_another_commit_does_not_count()
    {
        var facts = new ScanFacts
        {
            CheckRuns = [Run(1, "CodeQL", "completed", "success"), Run(2, "semgrep", "completed", "success", app: "impostor"), Run(3, "semgrep", "completed", "success", sha: "ffffffffffffffffffffffffffffffffffffffff")],
        };

        var result = Evaluate(ChecksOnly, facts);

        Assert.Equal(ControlStatus.Pending, result.Status);
    }

    [Fact]
    public void Semgrep_findings_at_or_above_the_threshold_fail_and_become_annotations()
    {
        var report = ScanReportParser.Parse(ScanSamples.Bytes("semgrep-all-severities.json")).Report!;
        var blocking = report.CountAtOrAbove(ScanSeverity.High);
        Assert.True(blocking > 0, "the sample must have high findings for this test to mean anything");

        var result = Evaluate(SemgrepArtifact, Found("semgrep-all-severities.json"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal($"Scans on 0123456: {blocking} finding(s) at or above high, {report.ToolErrors.Length} tool error(s).", result.Summary);
        Assert.Equal(report.Findings.Count(f => f.Path is not null), result.Annotations.Length);
        Assert.Equal(blocking, result.Annotations.Count(a => a.Level == "failure"));
        Assert.All(result.Annotations, a => Assert.True(a.Line >= 1));
        Assert.Contains("scan-status.waivers", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_findings_at_repository_paths_are_annotated()
    {
        Finding At(string path) => new("Trivy", "CVE-2026-1", ScanSeverity.High, "vulnerable", path, 3, null);
        var report = new ScanReport
        {
            Format = ScanFormat.Sarif,
            Tools = ["Trivy"],
            Findings = [At("./src/app.py"), At("file:lib/x.js"), At("file:///home/runner/work/r/r/app.py"), At("/usr/lib/libssl.so"), At("../outside.py"), At("C:/x.cs")],
            Suppressed = 0,
            ToolErrors = [],
            ToolWarnings = [],
        };
        var facts = new ScanFacts
        {
            Files = [new ScanFileFact { Artifact = "semgrep-results", File = "semgrep.json", State = ScanFileState.Found, HeadSha = Sha, Parsed = ScanParseResult.Parsed(report) }],
        };

        var result = Evaluate(SemgrepArtifact, facts);

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal(["src/app.py", "lib/x.js"], result.Annotations.Select(a => a.Path));
        Assert.Equal(6, result.Details.Count(d => !d.Ok));
    }

    [Fact]
    public void Annotations_are_the_500_most_severe_findings_at_repository_paths_in_report_order_within_a_severity()
    {
        // Criticals outside the repository (not annotated), then interleaved lows and highs, with "a/../b" paths mixed in.
        var findings = new List<Finding>();
        for (var i = 0; i < 100; i++)
        {
            findings.Add(new("Trivy", "CVE-1", ScanSeverity.Critical, "outside", $"/usr/lib/lib{i}.so", 1, null));
        }

        for (var i = 0; i < 300; i++)
        {
            findings.Add(new("Semgrep", "low", ScanSeverity.Low, "low", $"src/low{i}.py", 1, null));
            findings.Add(new("Semgrep", "high", ScanSeverity.High, "high", i % 10 == 0 ? $"src/../high{i}.py" : $"src/high{i}.py", 1, null));
        }

        var report = new ScanReport { Format = ScanFormat.Sarif, Tools = ["Semgrep"], Findings = [.. findings], Suppressed = 0, ToolErrors = [], ToolWarnings = [] };
        var facts = new ScanFacts
        {
            Files = [new ScanFileFact { Artifact = "semgrep-results", File = "semgrep.json", State = ScanFileState.Found, HeadSha = Sha, Parsed = ScanParseResult.Parsed(report) }],
        };

        var result = Evaluate(SemgrepArtifact, facts);

        string[] expected =
        [
            .. Enumerable.Range(0, 300).Where(i => i % 10 != 0).Select(i => $"src/high{i}.py"),
            .. Enumerable.Range(0, ScanStatusControl.MaxAnnotations - 270).Select(i => $"src/low{i}.py"),
        ];
        Assert.Equal(expected, result.Annotations.Select(a => a.Path));
    }

    [Fact]
    public void Raising_the_threshold_to_critical_lets_high_findings_through()
    {
        var report = ScanReportParser.Parse(ScanSamples.Bytes("semgrep-all-severities.json")).Report!;
        var result = Evaluate(SemgrepArtifact with { Threshold = ScanSeverity.Critical }, Found("semgrep-all-severities.json"));

        Assert.Equal(report.CountAtOrAbove(ScanSeverity.Critical) > 0 ? ControlStatus.Fail : ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void A_clean_report_passes_and_names_the_tool_and_counts()
    {
        var result = Evaluate(SemgrepArtifact, Found("semgrep-clean.json"));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Contains(result.Details, d => d.Ok && d.Subject == "semgrep-results/semgrep.json" && d.Message.Contains("Semgrep", StringComparison.Ordinal));
    }

    [Fact]
    public void Results_of_another_commit_fail()
    {
        var result = Evaluate(SemgrepArtifact, Found("semgrep-clean.json", sha: "ffffffffffffffffffffffffffffffffffffffff"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Contains("results are for fffffff, not for 0123456", Assert.Single(result.Reasons), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScanFileState.WaitingForWorkflow, ControlStatus.Pending)]
    [InlineData(ScanFileState.ArtifactMissing, ControlStatus.Fail)]
    [InlineData(ScanFileState.FileMissing, ControlStatus.Fail)]
    [InlineData(ScanFileState.Rejected, ControlStatus.Fail)]
    public void Missing_results_are_pending_while_a_run_may_still_upload_them_and_fail_after(ScanFileState state, ControlStatus expected)
    {
        var facts = new ScanFacts
        {
            Files = [new ScanFileFact { Artifact = "semgrep-results", File = "semgrep.json", State = state, WorkflowRunId = 9, HeadSha = Sha, Problem = "artifact entry '../x' is not a safe relative path" }],
        };

        var result = Evaluate(SemgrepArtifact, facts);

        Assert.Equal(expected, result.Status);
        if (expected == ControlStatus.Fail)
        {
            Assert.False(string.IsNullOrWhiteSpace(result.HowToFix));
        }
    }

    [Fact]
    public void A_file_that_is_not_scanner_output_fails_with_the_format_error()
    {
        var facts = new ScanFacts
        {
            Files = [new ScanFileFact { Artifact = "semgrep-results", File = "semgrep.json", State = ScanFileState.Found, HeadSha = Sha, Parsed = ScanReportParser.Parse("{\"hello\":1}"u8) }],
        };

        var result = Evaluate(SemgrepArtifact, facts);

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Contains("cannot be read", Assert.Single(result.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Tool_errors_fail_unless_the_policy_allows_them()
    {
        var failed = ScanSamples.Report("failed-runs.sarif");
        Assert.NotEmpty(failed.ToolErrors);
        var facts = new ScanFacts
        {
            Files = [new ScanFileFact { Artifact = "sarif", File = "failed-runs.sarif", State = ScanFileState.Found, HeadSha = Sha, Parsed = ScanReportParser.Parse(ScanSamples.Bytes("failed-runs.sarif")) }],
        };
        var policy = new ScanStatusPolicy { Threshold = ScanSeverity.Critical, Artifacts = [new ScanArtifact { Name = "sarif", Files = ["failed-runs.sarif"] }] };

        var strict = Evaluate(policy, facts);
        var lenient = Evaluate(policy with { FailOnToolErrors = false }, facts);

        Assert.Equal(ControlStatus.Fail, strict.Status);
        Assert.Contains($"{failed.ToolErrors.Length} tool error(s)", strict.Summary, StringComparison.Ordinal);
        Assert.Equal(0, failed.CountAtOrAbove(ScanSeverity.Critical));
        Assert.Equal(ControlStatus.Pass, lenient.Status);
        Assert.Contains(lenient.Details, d => d.Ok && d.Message.StartsWith("tool error (allowed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_waiver_lets_its_findings_through_until_it_expires_and_is_reported()
    {
        var report = ScanReportParser.Parse(ScanSamples.Bytes("semgrep-all-severities.json")).Report!;
        var blockingRules = report.Findings.Where(f => f.Severity >= ScanSeverity.High).Select(f => f.RuleId).Distinct().ToList();
        var waivers = blockingRules.Select(r => new ScanWaiver { Rule = r, Expires = new DateOnly(2026, 12, 31), ApprovedBy = "ciso", Reason = "SEC-1" }).ToImmutableArray();
        // The sample also reports tool errors; they are not what this test is about.
        var policy = SemgrepArtifact with { Waivers = waivers, FailOnToolErrors = false };

        var during = Evaluate(policy, Found("semgrep-all-severities.json"), new DateTimeOffset(2026, 12, 31, 23, 59, 0, TimeSpan.Zero));
        var after = Evaluate(policy, Found("semgrep-all-severities.json"), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(ControlStatus.Pass, during.Status);
        Assert.Equal(report.CountAtOrAbove(ScanSeverity.High), during.Waivers.Sum(w => w.Findings));
        Assert.Contains("waived", during.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(during.Annotations, a => a.Level == "failure");

        Assert.Equal(ControlStatus.Fail, after.Status);
        Assert.Empty(after.Waivers);
        Assert.Contains(after.Details, d => !d.Ok && d.Message.Contains("expired on 2026-12-31", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fingerprint_waiver_covers_only_that_finding()
    {
        var report = ScanReportParser.Parse(ScanSamples.Bytes("semgrep-all-severities.json")).Report!;
        var blocking = report.Findings.Where(f => f.Severity >= ScanSeverity.High && f.Fingerprint is not null).ToList();
        Assert.NotEmpty(blocking);
        var waiver = new ScanWaiver { Fingerprint = blocking[0].Fingerprint, Expires = new DateOnly(2027, 1, 31), ApprovedBy = "ciso" };

        var result = Evaluate(SemgrepArtifact with { Waivers = [waiver], FailOnToolErrors = false }, Found("semgrep-all-severities.json"));

        var applied = report.Findings.Count(f => f.Severity >= ScanSeverity.High && f.Fingerprint == waiver.Fingerprint);
        Assert.Equal(applied, Assert.Single(result.Waivers).Findings);
        Assert.Equal(report.CountAtOrAbove(ScanSeverity.High) - applied > 0 ? ControlStatus.Fail : ControlStatus.Pass, result.Status);
    }
}
