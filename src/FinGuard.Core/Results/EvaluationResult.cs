using System.Collections.Immutable;

namespace FinGuard.Core.Results;

/// <summary>Outcome of one control.</summary>
public enum ControlStatus
{
    /// <summary>The control's conditions hold.</summary>
    Pass,

    /// <summary>The conditions do not hold; the change must be fixed.</summary>
    Fail,

    /// <summary>Waiting for something that may still arrive (a scan, a review).</summary>
    Pending,

    /// <summary>The control could not be evaluated (missing or contradictory facts); treated as failing.</summary>
    Error,

    /// <summary>Not applicable here (disabled by policy).</summary>
    Skipped,
}

/// <summary>The overall verdict, in GitHub check-run conclusion terms.</summary>
public enum Conclusion
{
    Success,
    Failure,
    ActionRequired,
    Neutral,
}

/// <summary>One thing a control looked at (a commit, a reviewer) and whether it counted.</summary>
/// <param name="Subject">What was considered, e.g. a short commit SHA or a login.</param>
/// <param name="Ok">Whether it satisfied the control.</param>
/// <param name="Message">Why, in one line a developer understands.</param>
public sealed record ResultDetail(string Subject, bool Ok, string Message);

/// <summary>A self-explaining control result: status, one-line summary, the values that decided it, and how to fix a failure.</summary>
public sealed record ControlResult
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required ControlStatus Status { get; init; }

    public required string Summary { get; init; }

    public ImmutableArray<ResultDetail> Details { get; init; } = [];

    /// <summary>What the developer should do; null when nothing is needed.</summary>
    public string? HowToFix { get; init; }

    /// <summary>
    /// Set when the control passed only because an exception procedure was invoked (break-glass during a freeze):
    /// who asked, who approved, until when. Evidence records mark such a decision as an exception.
    /// </summary>
    public ControlExceptionInfo? Exception { get; init; }

    /// <summary>Problems to show on lines of the repository's files (scanner findings), in the order to show them.</summary>
    public ImmutableArray<ResultAnnotation> Annotations { get; init; } = [];

    /// <summary>Waivers the control applied (scan findings let through until a date); evidence records each one.</summary>
    public ImmutableArray<AppliedWaiver> Waivers { get; init; } = [];

    /// <summary>The reasons a control did not pass (failing details), or its summary when it has no details.</summary>
    public ImmutableArray<string> Reasons =>
        Status is ControlStatus.Pass or ControlStatus.Skipped
            ? []
            : Details.Where(d => !d.Ok).Select(d => $"{d.Subject}: {d.Message}").DefaultIfEmpty(Summary).ToImmutableArray();
}

/// <summary>A problem on a line of a file of the repository, shown by GitHub next to the code.</summary>
/// <param name="Path">Path relative to the repository root.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Level"><c>failure</c>, <c>warning</c> or <c>notice</c> (GitHub's annotation levels).</param>
/// <param name="Title">A short title, e.g. the rule id.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ResultAnnotation(string Path, int Line, string Level, string Title, string Message);

/// <summary>A waiver that let findings through in this decision.</summary>
/// <param name="Waiver">The waiver as the policy states it.</param>
/// <param name="Findings">How many findings it let through.</param>
public sealed record AppliedWaiver(Scans.ScanWaiver Waiver, int Findings);

/// <summary>
/// A documented exception to a control (today only <see cref="BreakGlass"/>): the control's rule did not hold, and
/// the decision passed because the exception procedure was followed.
/// </summary>
public sealed record ControlExceptionInfo
{
    /// <summary><see cref="Type"/> of a break-glass change during a freeze.</summary>
    public const string BreakGlass = "break-glass";

    /// <summary>Which procedure, e.g. <see cref="BreakGlass"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The pull request label that invoked the procedure.</summary>
    public required string Label { get; init; }

    /// <summary>
    /// Who asked for the exception: for a pull request, the account that applied the break-glass label (the <c>actor</c>
    /// of its latest <c>labeled</c> event, from <c>GET /repos/{owner}/{repo}/issues/{number}/events</c>); for a
    /// deployment, the deployer.
    /// </summary>
    public required Snapshots.GitHubUser InvokedBy { get; init; }

    /// <summary>Who approved it: the reviewer whose approval made it valid.</summary>
    public required Snapshots.GitHubUser ApprovedBy { get; init; }

    /// <summary>The team through which <see cref="ApprovedBy"/> may approve (<c>org/team-slug</c>).</summary>
    public required string ApprovedVia { get; init; }

    /// <summary>When the approving review was submitted.</summary>
    public required DateTimeOffset ApprovedAt { get; init; }

    /// <summary>When the exception stops holding.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>What the exception let through, e.g. the names of the freeze windows open at the time.</summary>
    public ImmutableArray<string> Bypassed { get; init; } = [];
}

/// <summary>The result tree of one evaluation.</summary>
public sealed record EvaluationResult(Conclusion Conclusion, string Title, ImmutableArray<ControlResult> Controls)
{
    /// <summary>Stable machine-readable reason for the verdict, for the evidence index.</summary>
    public string ReasonCode => Conclusion switch
    {
        Conclusion.Success => "all-controls-passed",
        _ => string.Join('+', Controls.Where(c => c.Status is not (ControlStatus.Pass or ControlStatus.Skipped))
            .Select(c => $"{c.Id}:{c.Status.ToString().ToLowerInvariant()}")),
    };

    public static EvaluationResult FromControls(ImmutableArray<ControlResult> controls)
    {
        var counted = controls.Where(c => c.Status != ControlStatus.Skipped).ToList();
        var failing = counted.Count(c => c.Status is ControlStatus.Fail or ControlStatus.Error);
        var pending = counted.Count(c => c.Status == ControlStatus.Pending);

        var conclusion = failing > 0 ? Conclusion.Failure
            : pending > 0 ? Conclusion.ActionRequired
            : Conclusion.Success;

        var title = conclusion switch
        {
            Conclusion.Success when counted.Count == 0 => "No controls apply",
            Conclusion.Success => counted.Count == 1 ? "1 control passing" : $"All {counted.Count} controls passing",
            Conclusion.Failure => $"{failing} of {counted.Count} {(counted.Count == 1 ? "control" : "controls")} failing",
            _ => $"{pending} of {counted.Count} {(counted.Count == 1 ? "control" : "controls")} pending",
        };

        // A decision that relies on an exception says so where GitHub lists the check, not only in its text.
        if (controls.FirstOrDefault(c => c.Exception is not null)?.Exception is { } exception)
        {
            title = $"🚨 {exception.Type.ToUpperInvariant()}: {title}";
        }

        return new EvaluationResult(conclusion, title, controls);
    }
}
