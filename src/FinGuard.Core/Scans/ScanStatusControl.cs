using System.Collections.Immutable;
using System.Globalization;
using FinGuard.Core.Controls;
using FinGuard.Core.Results;

namespace FinGuard.Core.Scans;

/// <summary>
/// <c>scan-status</c>: the head commit's security scans are clean. Every required check run must have completed with
/// an allowed conclusion (pending while queued or running); every configured scanner output file must be present
/// for the head commit, readable, free of tool errors (unless allowed) and without open findings at or above the
/// threshold that no unexpired waiver covers. Findings become annotations on the lines they point at.
/// </summary>
public sealed class ScanStatusControl : IControl
{
    public const string ControlId = "scan-status";

    /// <summary>Most findings listed by name in the result's details; the count covers the rest.</summary>
    public const int MaxListedFindings = 20;

    /// <summary>Most annotations a decision produces (GitHub takes 50 per request; this bounds the requests to 10).</summary>
    public const int MaxAnnotations = 500;

    public string Id => ControlId;

    public string Name => "Security scans";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Evaluate(context.Policy.ScanStatus, context.PullRequest.Scans, context.PullRequest.HeadSha, context.EvaluatedAt);
    }

    /// <summary>The control for any commit (a pull request's head, a deployed SHA).</summary>
    /// <param name="policy">The resolved <c>scan-status</c> settings.</param>
    /// <param name="scans">The commit's scan facts; null when they were not loaded.</param>
    /// <param name="sha">The commit the results must belong to.</param>
    /// <param name="evaluatedAt">When (decides which waivers hold).</param>
    public static ControlResult Evaluate(ScanStatusPolicy policy, ScanFacts? scans, string sha, DateTimeOffset evaluatedAt)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(sha);
        if (!policy.Enabled)
        {
            return Result(ControlStatus.Skipped, "Disabled by policy (scan-status.enabled: false).");
        }

        if (!policy.HasSources)
        {
            return Result(ControlStatus.Skipped, "No scans are configured (scan-status.required-checks or scan-status.artifacts); nothing to check.");
        }

        if (scans is null)
        {
            return Result(ControlStatus.Error, "The scan results were not loaded, so the scans cannot be checked.") with
            {
                HowToFix = "Re-run FinGuard. If this persists, check that the FinGuard app can read checks and actions (permissions `checks: read`, `actions: read`).",
            };
        }

        var shortSha = sha.Length > 7 ? sha[..7] : sha;
        var state = new Tally();
        foreach (var check in policy.RequiredChecks)
        {
            EvaluateCheck(check, scans, sha, shortSha, state);
        }

        var findings = new List<(Finding Finding, ScanFileFact File)>();
        foreach (var artifact in policy.Artifacts)
        {
            foreach (var file in artifact.Files)
            {
                var fact = scans.Files.FirstOrDefault(f => f.Artifact == artifact.Name && f.File == file);
                EvaluateFile(artifact, file, fact, sha, shortSha, policy, state, findings);
            }
        }

        var blocking = EvaluateFindings(policy, findings, evaluatedAt, state);
        var status = state.Failing ? ControlStatus.Fail : state.Pending ? ControlStatus.Pending : ControlStatus.Pass;
        return Result(status, Summary(status, policy, state, blocking, shortSha)) with
        {
            Details = state.Details.ToImmutable(),
            HowToFix = status == ControlStatus.Fail ? string.Join(" ", state.Fixes.Distinct()) : null,
            Annotations = Annotate(policy, findings, state.WaivedFindings),
            Waivers = [.. state.Applied.Select(a => new AppliedWaiver(a.Key, a.Value))],
        };
    }

    private static void EvaluateCheck(RequiredCheck check, ScanFacts scans, string sha, string shortSha, Tally state)
    {
        var subject = $"check {check}";
        var latest = scans.CheckRuns
            .Where(r => string.Equals(r.Name, check.Name, StringComparison.Ordinal)
                && (check.App is null || string.Equals(r.AppSlug, check.App, StringComparison.OrdinalIgnoreCase))
                && string.Equals(r.HeadSha, sha, StringComparison.OrdinalIgnoreCase))
            .MaxBy(r => r.Id);
        if (latest is null)
        {
            state.Pend(subject, $"has not been reported on {shortSha} yet; waiting for it");
            state.Waiting.Add(check.Name);
            return;
        }

        if (latest.Status != "completed")
        {
            state.Pend(subject, $"is {latest.Status.Replace('_', ' ')} on {shortSha}; waiting for it to complete");
            state.Waiting.Add(check.Name);
            return;
        }

        var conclusion = latest.Conclusion ?? "none";
        if (check.AllowedConclusions.Contains(conclusion, StringComparer.Ordinal))
        {
            state.Details.Add(new ResultDetail(subject, true, $"completed on {shortSha}: {conclusion}"));
            state.ChecksPassed++;
            return;
        }

        var link = latest.DetailsUrl is null ? string.Empty : $" ({latest.DetailsUrl})";
        state.Fail(
            subject,
            $"concluded `{conclusion}` on {shortSha}; required: {string.Join(" or ", check.AllowedConclusions.Select(c => $"`{c}`"))}{link}",
            $"Open the `{check.Name}` check, fix what it reports, and push; or re-run it if it failed for an unrelated reason.");
        state.ChecksFailed++;
    }

    private static void EvaluateFile(
        ScanArtifact artifact,
        string file,
        ScanFileFact? fact,
        string sha,
        string shortSha,
        ScanStatusPolicy policy,
        Tally state,
        List<(Finding, ScanFileFact)> findings)
    {
        var subject = $"{artifact.Name}/{file}";
        var workflow = artifact.Workflow is null ? "a workflow run" : $"a run of workflow `{artifact.Workflow}`";
        switch (fact?.State)
        {
            case null or ScanFileState.WaitingForWorkflow:
                state.Pend(subject, $"waiting for {workflow} on {shortSha} to complete and upload artifact `{artifact.Name}`");
                state.Waiting.Add($"{artifact.Name}/{file}");
                return;
            case ScanFileState.ArtifactMissing:
                state.Fail(
                    subject,
                    $"{Run(fact)} completed on {shortSha} without uploading artifact `{artifact.Name}` (or it expired)",
                    $"Upload the scanner output with `actions/upload-artifact` (name `{artifact.Name}`, also when the scan step fails: `if: always()`), then re-run the workflow.");
                state.FilesMissing++;
                return;
            case ScanFileState.FileMissing:
                state.Fail(
                    subject,
                    $"artifact `{artifact.Name}` of {Run(fact)} has no file `{file}`",
                    $"Check the path given to `actions/upload-artifact`: the artifact must contain `{file}` at its root-relative path.");
                state.FilesMissing++;
                return;
            case ScanFileState.Rejected:
                state.Fail(
                    subject,
                    $"artifact `{artifact.Name}` of {Run(fact)} was refused: {fact.Problem}",
                    $"Upload only the scanner output files to artifact `{artifact.Name}` (plain relative paths, within the size limits).");
                state.FilesMissing++;
                return;
        }

        if (!string.Equals(fact.HeadSha, sha, StringComparison.OrdinalIgnoreCase))
        {
            var other = fact.HeadSha is { Length: > 7 } s ? s[..7] : fact.HeadSha ?? "an unknown commit";
            state.Fail(
                subject,
                $"the results are for {other}, not for {shortSha}; results of another commit do not count",
                $"Run the scan on {shortSha} (push, or re-run the workflow) so its results belong to this commit.");
            state.FilesMissing++;
            return;
        }

        var parsed = fact.Parsed;
        if (parsed is null || !parsed.IsParsed)
        {
            state.Fail(
                subject,
                $"cannot be read: {(parsed is null ? "no content" : parsed.Error!.ToString())}",
                $"Make the scanner write `{file}` as Semgrep JSON (`semgrep --json`) or SARIF 2.1.0 (`--sarif`); `finguard scans summarize {file}` shows what is wrong.");
            state.FilesMissing++;
            return;
        }

        var report = parsed.Report;
        state.FilesRead++;
        findings.AddRange(report.Findings.Select(f => (f, fact)));
        foreach (var error in report.ToolErrors)
        {
            if (policy.FailOnToolErrors)
            {
                state.Fail(
                    subject,
                    $"tool error: {OneLine(error.ToString())}",
                    "Fix the scanner's configuration so it runs completely (its results may be missing findings), or set `scan-status.fail-on-tool-errors: false`.");
                state.ToolErrors++;
            }
            else
            {
                state.Details.Add(new ResultDetail(subject, true, $"tool error (allowed by scan-status.fail-on-tool-errors: false): {OneLine(error.ToString())}"));
            }
        }

        state.Details.Add(new ResultDetail(
            subject,
            true,
            $"{report.Format.DisplayName()} from {string.Join(", ", report.Tools.DefaultIfEmpty("no tool"))} on {shortSha}: {Counts(report)}"));
    }

    /// <summary>Applies waivers to the findings at or above the threshold; returns how many still block.</summary>
    private static int EvaluateFindings(ScanStatusPolicy policy, List<(Finding Finding, ScanFileFact File)> findings, DateTimeOffset evaluatedAt, Tally state)
    {
        var blocking = new List<(Finding Finding, ScanFileFact File)>();
        var expiredNoted = new HashSet<ScanWaiver>();
        foreach (var (finding, file) in findings.Where(f => f.Finding.Severity >= policy.Threshold).OrderByDescending(f => f.Finding.Severity))
        {
            var waiver = policy.Waivers.FirstOrDefault(w => w.Matches(finding) && evaluatedAt < w.EndsAt);
            if (waiver is not null)
            {
                state.Applied[waiver] = state.Applied.GetValueOrDefault(waiver) + 1;
                state.WaivedFindings.Add(finding);
                continue;
            }

            if (policy.Waivers.FirstOrDefault(w => w.Matches(finding)) is { } expired && expiredNoted.Add(expired))
            {
                state.Details.Add(new ResultDetail(
                    $"waiver {expired.Describe()}",
                    false,
                    $"expired on {expired.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} (approved by {expired.ApprovedBy}); its findings count again"));
            }

            blocking.Add((finding, file));
        }

        foreach (var (waiver, count) in state.Applied)
        {
            state.Details.Add(new ResultDetail(
                $"waiver {waiver.Describe()}",
                true,
                $"let {count} finding(s) through; approved by {waiver.ApprovedBy}, until {waiver.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}{(waiver.Reason is null ? "" : $": {waiver.Reason}")}"));
        }

        foreach (var (finding, file) in blocking.Take(MaxListedFindings))
        {
            state.Details.Add(new ResultDetail(Where(finding), false, $"{finding.Severity.Name()} {finding.RuleId} ({finding.Tool}, {file.DisplayName}): {OneLine(finding.Message)}"));
        }

        if (blocking.Count > MaxListedFindings)
        {
            state.Details.Add(new ResultDetail("more findings", false, $"{blocking.Count - MaxListedFindings} more at or above {policy.Threshold.Name()} (all are annotated and in the evidence record)"));
        }

        if (blocking.Count > 0)
        {
            state.Failing = true;
            state.Fixes.Add(
                $"Fix the findings at or above `{policy.Threshold.Name()}` (annotated on the changed lines) and push. A finding that is an accepted risk can be waived in the policy file on the base branch (`scan-status.waivers`: rule or fingerprint, `expires`, `approved-by`).");
        }

        return blocking.Count;
    }

    private static ImmutableArray<ResultAnnotation> Annotate(ScanStatusPolicy policy, List<(Finding Finding, ScanFileFact File)> findings, HashSet<Finding> waived) =>
    [
        // Sorted first (stably, as before), so the path checks stop once the annotations are full instead of running
        // over every finding of a large report.
        .. findings
            .OrderByDescending(f => f.Finding.Severity)
            .Where(f => f.Finding.Path is not null && !waived.Contains(f.Finding) && IsRepositoryPath(RepositoryPath(f.Finding.Path)))
            .Take(MaxAnnotations)
            .Select(f => new ResultAnnotation(
                RepositoryPath(f.Finding.Path!),
                Math.Max(1, f.Finding.Line ?? 1),
                f.Finding.Severity >= policy.Threshold ? "failure" : f.Finding.Severity >= ScanSeverity.Medium ? "warning" : "notice",
                $"{f.Finding.Severity.Name()}: {f.Finding.RuleId}",
                $"{OneLine(f.Finding.Message)} ({f.Finding.Tool})")),
    ];

    private static string Summary(ControlStatus status, ScanStatusPolicy policy, Tally state, int blocking, string shortSha)
    {
        var parts = new List<string>();
        if (blocking > 0)
        {
            parts.Add($"{blocking} finding(s) at or above {policy.Threshold.Name()}");
        }

        if (state.ToolErrors > 0)
        {
            parts.Add($"{state.ToolErrors} tool error(s)");
        }

        if (state.ChecksFailed > 0)
        {
            parts.Add($"{state.ChecksFailed} required check(s) failed");
        }

        if (state.FilesMissing > 0)
        {
            parts.Add($"{state.FilesMissing} scan result file(s) missing or unreadable");
        }

        var waived = state.Applied.Values.Sum();
        var waivedNote = waived > 0 ? $"; {waived} finding(s) waived" : string.Empty;
        return status switch
        {
            ControlStatus.Fail => $"Scans on {shortSha}: {string.Join(", ", parts)}{waivedNote}.",
            ControlStatus.Pending => $"Waiting for {Names(state.Waiting)} on {shortSha}{waivedNote}.",
            _ => $"Scans on {shortSha} are clean: {state.ChecksPassed} required check(s) passed, {state.FilesRead} scan file(s) without findings at or above {policy.Threshold.Name()}{waivedNote}.",
        };
    }

    /// <summary><c>CodeQL</c>, <c>CodeQL and semgrep</c>, <c>CodeQL, semgrep and 2 more</c>.</summary>
    private static string Names(List<string> names) => names.Count switch
    {
        1 => names[0],
        2 => $"{names[0]} and {names[1]}",
        3 => $"{names[0]}, {names[1]} and {names[2]}",
        _ => $"{names[0]}, {names[1]} and {names.Count - 2} more",
    };

    private static string Counts(ScanReport report)
    {
        var counts = ScanSeverityNames.HighestFirst
            .Select(s => (Severity: s, Count: report.Count(s)))
            .Where(c => c.Count > 0)
            .Select(c => $"{c.Count} {c.Severity.Name()}")
            .ToList();
        var findings = counts.Count == 0 ? "no findings" : string.Join(", ", counts);
        return report.Suppressed > 0 ? $"{findings} ({report.Suppressed} suppressed)" : findings;
    }

    private static string Run(ScanFileFact fact) =>
        fact.WorkflowRunId is { } id
            ? $"workflow run {id.ToString(CultureInfo.InvariantCulture)}{(fact.WorkflowName is null ? "" : $" ({fact.WorkflowName})")}"
            : "the workflow run";

    private static string Where(Finding finding) =>
        finding.Path is null ? finding.RuleId : finding.Line is { } line ? $"{finding.Path}:{line.ToString(CultureInfo.InvariantCulture)}" : finding.Path;

    /// <summary>Scanners write paths relative to where they ran: <c>./src/a.py</c> and <c>file:src/a.py</c> become <c>src/a.py</c>; absolute paths stay absolute.</summary>
    private static string RepositoryPath(string path)
    {
        var result = path.StartsWith("file://", StringComparison.Ordinal) ? path[7..] : path.StartsWith("file:", StringComparison.Ordinal) ? path[5..] : path;
        while (result.StartsWith("./", StringComparison.Ordinal))
        {
            result = result[2..];
        }

        return result;
    }

    /// <summary>
    /// Whether a path can name a file of the repository: relative, without <c>..</c> or a scheme. A finding at an absolute
    /// path (a runner's <c>/home/runner/work/…</c>, a dependency outside the checkout) is listed, not annotated.
    /// </summary>
    private static bool IsRepositoryPath(string path)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Contains("://", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal)
            || (path.Length > 1 && path[1] == ':'))
        {
            return false;
        }

        foreach (var segment in path.AsSpan().Split('/'))
        {
            if (path.AsSpan(segment).SequenceEqual(".."))
            {
                return false;
            }
        }

        return true;
    }

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? string.Concat(line.AsSpan(0, 297), "…") : line;
    }

    private static ControlResult Result(ControlStatus status, string summary) =>
        new() { Id = ControlId, Name = "Security scans", Status = status, Summary = summary };

    /// <summary>What the control found so far.</summary>
    private sealed class Tally
    {
        public ImmutableArray<ResultDetail>.Builder Details { get; } = ImmutableArray.CreateBuilder<ResultDetail>();

        public List<string> Fixes { get; } = [];

        public Dictionary<ScanWaiver, int> Applied { get; } = [];

        public HashSet<Finding> WaivedFindings { get; } = new(ReferenceEqualityComparer.Instance);

        public bool Failing { get; set; }

        public bool Pending { get; set; }

        public int ChecksPassed { get; set; }

        public int ChecksFailed { get; set; }

        /// <summary>The required checks and scan files still awaited, by name.</summary>
        public List<string> Waiting { get; } = [];

        public int FilesRead { get; set; }

        public int FilesMissing { get; set; }

        public int ToolErrors { get; set; }

        public void Pend(string subject, string message)
        {
            Pending = true;
            Details.Add(new ResultDetail(subject, false, message));
        }

        public void Fail(string subject, string message, string fix)
        {
            Failing = true;
            Details.Add(new ResultDetail(subject, false, message));
            Fixes.Add(fix);
        }
    }
}
