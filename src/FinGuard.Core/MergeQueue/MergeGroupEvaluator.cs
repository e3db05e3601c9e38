using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Deployments;
using FinGuard.Core.Freeze;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.MergeQueue;

/// <summary>A pull request a merge group adds, with FinGuard's verified decision about its current head.</summary>
public sealed record MergeGroupEntry
{
    public required int Number { get; init; }

    /// <summary>The pull request's head now, as GitHub reports it; null when it could not be read.</summary>
    public string? HeadSha { get; init; }

    /// <summary><c>pass</c> or <c>fail</c> from the verified record; null when there is no decision about this head.</summary>
    public string? Verdict { get; init; }

    public string? ReasonCode { get; init; }

    /// <summary>The verified decision record; null when there is none.</summary>
    public EvidencePointer? Evidence { get; init; }

    /// <summary>When the decision passed a freeze by break-glass: until when that holds.</summary>
    public DateTimeOffset? BreakGlassUntil { get; init; }

    /// <summary>Why FinGuard cannot vouch for this pull request (its head unknown, its evidence not verifiable); null otherwise.</summary>
    public string? Problem { get; init; }

    public bool Passed => Problem is null && Evidence is not null && string.Equals(Verdict, "pass", StringComparison.Ordinal);
}

/// <summary>A merge group as FinGuard sees it: which pull requests it adds (as identified) and the base branch.</summary>
public sealed record MergeGroupSnapshot
{
    public required string Repository { get; init; }

    public required string HeadSha { get; init; }

    /// <summary>The base branch name, without <c>refs/heads/</c>.</summary>
    public required string BaseRef { get; init; }

    public string? DefaultBranch { get; init; }

    public ImmutableArray<MergeGroupEntry> PullRequests { get; init; } = [];

    /// <summary>Why the group's pull requests could not all be identified; null when they were.</summary>
    public string? IdentificationProblem { get; init; }
}

/// <summary>
/// The FinGuard check of a merge group (GitHub's merge queue).
/// <para><b>Trigger</b>: <c>merge_group</c> <c>checks_requested</c>.</para>
/// <para><b>Conditions</b>: <c>merge-group-decisions</c> — every pull request the group adds was identified and has a
/// passing FinGuard decision for its current head, read from a verified evidence record. <c>freeze-window</c> — no
/// freeze window covering the base branch is open now (the time of the merge), unless every pull request's decision
/// passed by a break-glass that still holds.</para>
/// <para><b>Outcome</b>: success only when both pass; otherwise failure naming each pull request and why, with how to
/// fix it. Pure: the snapshot, the base branch's policy and the time decide.</para>
/// </summary>
public static class MergeGroupEvaluator
{
    public const string DecisionsControlId = "merge-group-decisions";

    public static EvaluationResult Evaluate(MergeGroupSnapshot group, FinGuardPolicy policy, bool policyBroken, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(policy);
        return EvaluationResult.FromControls([Decisions(group), Freeze(group, policy, policyBroken, now)]);
    }

    private static ControlResult Decisions(MergeGroupSnapshot group)
    {
        var entries = group.PullRequests.IsDefault ? [] : group.PullRequests;
        var details = entries.Select(Describe).ToImmutableArray();
        if (group.IdentificationProblem is { } problem || entries.Length == 0)
        {
            return Control(DecisionsControlId, "Pull request decisions", ControlStatus.Fail,
                $"FinGuard cannot tell which pull requests this merge group adds: {group.IdentificationProblem ?? "none found"}.",
                details,
                "Remove the pull requests from the merge queue and add them again; if this persists, merge without the queue after FinGuard passes each pull request, and tell FinGuard's operators.");
        }

        var failing = entries.Where(e => !e.Passed).ToList();
        if (failing.Count == 0)
        {
            return Control(DecisionsControlId, "Pull request decisions", ControlStatus.Pass,
                $"FinGuard passed {SeparationOfDutiesControl.AndList(entries.Select(e => $"#{e.Number}"))} at {(entries.Length == 1 ? "its" : "their")} current head: evidence {SeparationOfDutiesControl.AndList(entries.Select(e => $"{e.Evidence!.Chain}#{e.Evidence.Sequence}"))}.",
                details);
        }

        var corrupt = failing.Any(e => e.Problem is not null && e.Problem.Contains("does not verify", StringComparison.Ordinal));
        return Control(DecisionsControlId, "Pull request decisions", ControlStatus.Fail,
            $"FinGuard has no verified passing decision for {SeparationOfDutiesControl.AndList(failing.Select(e => $"#{e.Number}"))} at {(failing.Count == 1 ? "its" : "their")} current head.",
            details,
            corrupt
                ? $"Run `finguard evidence verify --live --repo {group.Repository}` to list every break, and contact FinGuard's operators: the evidence store was changed outside FinGuard."
                : "Fix each pull request until FinGuard's check passes on it, then add it to the merge queue again.");
    }

    private static ResultDetail Describe(MergeGroupEntry entry)
    {
        var head = entry.HeadSha is { Length: > 7 } sha ? sha[..7] : entry.HeadSha ?? "unknown head";
        var message = entry.Problem is { } problem ? problem
            : entry.Verdict is null ? $"head {head}: FinGuard has no decision about this head"
            : entry.Passed ? $"head {head}: FinGuard's decision passed (evidence {entry.Evidence!.Chain}#{entry.Evidence.Sequence})"
            : $"head {head}: FinGuard's latest decision did not pass ({entry.ReasonCode ?? entry.Verdict})";
        return new ResultDetail($"#{entry.Number}", entry.Passed, message);
    }

    private static ControlResult Freeze(MergeGroupSnapshot group, FinGuardPolicy policy, bool policyBroken, DateTimeOffset now)
    {
        const string name = "Freeze window";
        if (policyBroken)
        {
            return Control(FreezeWindowControl.ControlId, name, ControlStatus.Error,
                $"The policy of `{group.BaseRef}` cannot be read, so FinGuard cannot tell whether a freeze is open (fail closed).",
                [], "Fix the policy file (run `finguard config validate`), then add the pull requests to the merge queue again.");
        }

        var freeze = policy.FreezeWindow;
        var windows = freeze.Windows.IsDefault ? [] : freeze.Windows;
        var covering = windows.Where(w => w.Branches is not { } branches || BranchPattern.MatchesAny(branches, group.BaseRef, group.DefaultBranch)).ToList();
        if (!freeze.Enabled || covering.Count == 0)
        {
            return Control(FreezeWindowControl.ControlId, name, ControlStatus.Skipped, $"No freeze window covers `{group.BaseRef}`.", []);
        }

        var calendar = FreezeCalendar.Create(covering);
        if (calendar.Problems.Length > 0)
        {
            return Control(FreezeWindowControl.ControlId, name, ControlStatus.Error,
                "FinGuard cannot tell whether a freeze window is open (fail closed).",
                [.. calendar.Problems.Select(p => new ResultDetail(p.Window.Name, false, p.Message))],
                "Fix the freeze window in the policy file (run `finguard config validate`), then add the pull requests to the merge queue again.");
        }

        var active = calendar.ActiveAt(now);
        if (active.Length == 0)
        {
            return Control(FreezeWindowControl.ControlId, name, ControlStatus.Pass, $"No freeze is active for `{group.BaseRef}` now.", []);
        }

        var entries = group.PullRequests.IsDefault ? [] : group.PullRequests;
        var frozen = SeparationOfDutiesControl.AndList(active.Select(p => p.Window.Name));
        if (entries.Length > 0 && entries.All(e => e.BreakGlassUntil > now))
        {
            return Control(FreezeWindowControl.ControlId, name, ControlStatus.Pass,
                $"Frozen ({frozen}), but every pull request passed by a break-glass that still holds.",
                [.. entries.Select(e => new ResultDetail($"#{e.Number}", true, $"break-glass until {e.BreakGlassUntil!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC"))]);
        }

        return Control(FreezeWindowControl.ControlId, name, ControlStatus.Fail,
            $"Frozen now: {frozen}. Nothing merges into `{group.BaseRef}` until the freeze ends.",
            [.. active.Select(p => new ResultDetail(p.Window.Name, false, $"open since {FreezeCalendar.Describe(p.Start, p.Window.TimeZone)}"))],
            "Wait until the freeze window closes and add the pull requests to the merge queue again, or use the policy's break-glass procedure on each pull request.");
    }

    private static ControlResult Control(string id, string name, ControlStatus status, string summary, ImmutableArray<ResultDetail> details, string? howToFix = null) => new()
    {
        Id = id,
        Name = name,
        Status = status,
        Summary = summary,
        Details = details,
        HowToFix = howToFix,
    };
}
