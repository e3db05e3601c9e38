using System.Collections.Immutable;
using System.Globalization;
using FinGuard.Core.Controls;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Freeze;

/// <summary>
/// <c>freeze-window</c>: no change merges while a change freeze is on, unless the break-glass procedure is followed.
/// <para><b>Trigger</b>: <c>pull_request</c> opened, synchronize, reopened, ready_for_review, labeled, unlabeled (the
/// break-glass label); <c>pull_request_review</c> submitted, edited, dismissed (the break-glass approval); re-run
/// requests; and the <c>FreezeWindowEdges</c> timer when a window opens or closes.</para>
/// <para><b>Conditions</b>:
/// <list type="bullet">
/// <item>The windows that apply are those whose <c>branches</c> match the base branch (a window without
/// <c>branches</c> covers every branch the policy covers). Whether a window is open is decided by
/// <see cref="FreezeCalendar"/> at <see cref="EvaluationContext.EvaluatedAt"/> — never a clock.</item>
/// <item>Break-glass is valid when the pull request carries the policy's break-glass label and a reviewer whose
/// latest decisive review is an approval of the current head is eligible under every separation-of-duties rule
/// (<see cref="BreakGlassApprovers"/>: not the author, a committer or a co-author, not a bot, not an excluded
/// approver, with write access when the policy requires it) and a member of a break-glass approver team, submitted that
/// approval <b>after</b> the label was last added (GitHub's <c>labeled</c> event in
/// <see cref="PullRequestSnapshot.LabelEvents"/>), and less than <see cref="BreakGlassPolicy.MaxDuration"/> before the
/// evaluation time.</item>
/// </list></para>
/// <para><b>Outcome</b>: pass when no applicable window is open (naming the next one); fail while one is open, naming
/// each open window and when it ends (local time and UTC), with how to wait or use break-glass; pass, marked
/// <b>BREAK-GLASS</b> in the summary and carrying <see cref="ControlResult.Exception"/> (type <c>break-glass</c>, who
/// applied the label as the one who asked, the approver, the approval time and when it expires) when break-glass
/// is valid; error (fail closed) when a window cannot be computed, or when break-glass is asked for and FinGuard cannot
/// tell who may approve (a team's members not loaded, a commit author, committer or co-author it cannot link to an
/// account, commits missing) or when and by whom the label was applied (the events not loaded, or no <c>labeled</c>
/// event for it); skipped when disabled, when no window is configured, or when no window covers the base
/// branch.</para>
/// </summary>
public sealed class FreezeWindowControl : IControl
{
    public const string ControlId = "freeze-window";

    public string Id => ControlId;

    public string Name => "Freeze window";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pr = context.PullRequest;
        var policy = context.Policy.FreezeWindow;
        var now = context.EvaluatedAt;

        if (!policy.Enabled)
        {
            return Result(ControlStatus.Skipped, "Disabled by policy.");
        }

        var windows = policy.Windows.IsDefault ? [] : policy.Windows;
        if (windows.Length == 0)
        {
            return Result(ControlStatus.Skipped, "No freeze windows are configured.");
        }

        var covering = windows.Where(w => w.Branches is not { } branches || BranchPattern.MatchesAny(branches, pr.BaseRef, pr.DefaultBranch)).ToList();
        if (covering.Count == 0)
        {
            return Result(ControlStatus.Skipped, $"No freeze window covers the base branch `{pr.BaseRef}`.");
        }

        var calendar = FreezeCalendar.Create(covering);
        if (calendar.Problems.Length > 0)
        {
            return Result(
                ControlStatus.Error,
                $"FinGuard cannot tell whether {SeparationOfDutiesControl.AndList(calendar.Problems.Select(p => $"'{p.Window.Name}'"))} {(calendar.Problems.Length == 1 ? "is" : "are")} open (fail closed).",
                [.. calendar.Problems.Select(p => new ResultDetail(p.Window.Name, false, p.Message))],
                "Fix the freeze window in the policy file (run `finguard config validate`), then re-run FinGuard.");
        }

        var active = calendar.ActiveAt(now);
        if (active.Length == 0)
        {
            return NoFreeze(calendar, covering, now);
        }

        var frozen = $"Frozen: {SeparationOfDutiesControl.AndList(active.Select(p => $"{p.Window.Name} until {Until(p)}"))}.";
        var windowDetails = active
            .Select(p => new ResultDetail(p.Window.Name, false, $"open since {FreezeCalendar.Describe(p.Start, p.Window.TimeZone)} until {Until(p)}"))
            .ToList();
        var breakGlass = policy.BreakGlass;
        if (breakGlass is null)
        {
            return Result(
                ControlStatus.Fail,
                frozen,
                [.. windowDetails],
                $"{Wait(active)}\nThis policy has no break-glass procedure for urgent changes; ask the owner of the policy file if one is needed.");
        }

        if (!pr.Labels.Contains(breakGlass.Label, StringComparer.OrdinalIgnoreCase))
        {
            return Result(
                ControlStatus.Fail,
                frozen,
                [.. windowDetails, new ResultDetail(breakGlass.Label, false, "break-glass label is not on this pull request")],
                $"{Wait(active)}\n{BreakGlassProcedure(breakGlass, pr)}");
        }

        return EvaluateBreakGlass(pr, breakGlass, context.Policy.SeparationOfDuties, active, frozen, windowDetails, now);
    }

    private ControlResult NoFreeze(FreezeCalendar calendar, List<FreezeWindow> covering, DateTimeOffset now)
    {
        var upcoming = calendar.UpcomingAfter(now);
        var details = covering
            .Select(w => upcoming.FirstOrDefault(p => ReferenceEquals(p.Window, w)) is { } next
                ? new ResultDetail(w.Name, true, $"not open; next from {Period(next)}")
                : new ResultDetail(w.Name, true, "not open, and does not open again"))
            .ToImmutableArray();
        var summary = upcoming.Length > 0
            ? $"No freeze is active. Next: {upcoming[0].Window.Name} from {Period(upcoming[0])}."
            : "No freeze is active, and none is scheduled.";
        return Result(ControlStatus.Pass, summary, details);
    }

    private ControlResult EvaluateBreakGlass(
        PullRequestSnapshot pr,
        BreakGlassPolicy breakGlass,
        Policy.SeparationOfDutiesPolicy duties,
        ImmutableArray<FreezePeriod> active,
        string frozen,
        List<ResultDetail> windowDetails,
        DateTimeOffset now)
    {
        var head = Short(pr.HeadSha);
        var labelDetail = new ResultDetail(breakGlass.Label, true, "break-glass label is on this pull request");

        // Facts FinGuard needs to know who may approve, and when break-glass was asked for, and does not have: fail closed.
        var problems = new List<ResultDetail>();
        foreach (var team in BreakGlassApprovers.MissingTeams(breakGlass, pr.TeamMembers))
        {
            problems.Add(new ResultDetail(team, false, "the members of this break-glass approver team were not loaded, so FinGuard cannot check the approver against it"));
        }

        if (pr.Commits.Length < pr.ReportedCommitCount)
        {
            problems.Add(new ResultDetail("commits", false, $"GitHub reported {pr.ReportedCommitCount} commits but listed {pr.Commits.Length}, so FinGuard cannot tell who wrote the change"));
        }

        problems.AddRange(SeparationOfDutiesControl.ContributorProblems(pr));

        // When, and by whom, break-glass was asked for: the latest time the label was added (GitHub's `labeled` event).
        var invoked = pr.LabelEvents?.LastOrDefault(e => string.Equals(e.Label, breakGlass.Label, StringComparison.OrdinalIgnoreCase));
        if (pr.LabelEvents is null)
        {
            problems.Add(new ResultDetail(breakGlass.Label, false, "the pull request's events were not loaded, so FinGuard cannot tell when and by whom the break-glass label was applied"));
        }
        else if (invoked is null)
        {
            problems.Add(new ResultDetail(breakGlass.Label, false, "GitHub's events of this pull request have no `labeled` event for the break-glass label, so FinGuard cannot tell when and by whom it was applied"));
        }

        if (problems.Count > 0)
        {
            return Result(
                ControlStatus.Error,
                $"{frozen} Break-glass was asked for, but FinGuard cannot verify it (fail closed).",
                [.. windowDetails, labelDetail, .. problems],
                "Re-run FinGuard. If this persists, check that FinGuard may read the team's members (organization permission Members: read) and the pull request's events (Pull requests: read), that every commit's author and committer email is verified on a GitHub account, and that co-authors use their GitHub no-reply address; or remove and re-add the break-glass label.");
        }

        var invokedBy = invoked!.Actor ?? new GitHubUser("(unknown)", 0, false);
        labelDetail = new ResultDetail(breakGlass.Label, true, $"break-glass label applied by {invokedBy.Login} at {Utc(invoked.At)}");
        var eligibility = SeparationOfDutiesControl.Eligibility(pr, duties);
        var reviewerDetails = new List<ResultDetail>();
        var valid = new List<(GitHubUser User, string Team, DateTimeOffset ApprovedAt, DateTimeOffset ExpiresAt)>();
        foreach (var reviews in pr.Reviews.GroupBy(r => r.User.Id))
        {
            var ordered = reviews.OrderBy(r => r.SubmittedAt ?? DateTimeOffset.MinValue).ThenBy(r => r.Id).ToList();
            if (!ordered.Any(r => IsState(r, "APPROVED")))
            {
                continue; // Never approved: not a break-glass candidate.
            }

            var user = ordered[^1].User;
            var latest = ordered.LastOrDefault(r => !IsState(r, "COMMENTED") && !IsState(r, "PENDING"));
            var (reasons, team) = BreakGlassApprovers.Judge(user, eligibility, breakGlass, pr.TeamMembers);
            string? refusal = latest switch
            {
                null => "has no submitted approval",
                _ when !IsState(latest, "APPROVED") => $"withdrew their approval (latest review: {latest.State.ToUpperInvariant()})",
                _ when !string.Equals(latest.CommitId, pr.HeadSha, StringComparison.OrdinalIgnoreCase) => $"approved {(latest.CommitId is null ? "an unrecorded commit" : Short(latest.CommitId))}, not the current head {head}",
                _ when reasons.Count > 0 => string.Join("; ", reasons),
                _ when latest.SubmittedAt is null => "approval has no submission time, so it cannot be time-boxed",
                _ when latest.SubmittedAt!.Value <= invoked.At =>
                    $"approved at {Utc(latest.SubmittedAt.Value)}, before the break-glass label was applied at {Utc(invoked.At)}; an emergency approval must be given after break-glass is asked for",
                _ when now >= latest.SubmittedAt!.Value + breakGlass.MaxDuration =>
                    $"approved at {Utc(latest.SubmittedAt.Value)}; break-glass expired at {Utc(latest.SubmittedAt.Value + breakGlass.MaxDuration)} ({Duration(breakGlass.MaxDuration)} after the approval)",
                _ => null,
            };

            if (refusal is not null)
            {
                reviewerDetails.Add(new ResultDetail(user.Login, false, $"does not count for break-glass: {refusal}"));
                continue;
            }

            var approvedAt = latest!.SubmittedAt!.Value;
            var expiresAt = approvedAt + breakGlass.MaxDuration;
            valid.Add((user, team!, approvedAt, expiresAt));
            reviewerDetails.Add(new ResultDetail(user.Login, true, $"approved break-glass as a member of {team} at {Utc(approvedAt)}; holds until {Utc(expiresAt)}"));
        }

        if (valid.Count == 0)
        {
            var why = reviewerDetails.Count == 0 ? "no member of an approver team has approved the current head" : "no approval counts";
            return Result(
                ControlStatus.Fail,
                $"{frozen} Break-glass label `{breakGlass.Label}` is present, but {why}.",
                [.. windowDetails, labelDetail, .. reviewerDetails],
                $"{Wait(active)}\n{BreakGlassProcedure(breakGlass, pr)}");
        }

        var chosen = valid.OrderByDescending(v => v.ExpiresAt).ThenBy(v => v.User.Login, StringComparer.Ordinal).First();
        var bypassed = active.Select(p => p.Window.Name).ToImmutableArray();
        return Result(
            ControlStatus.Pass,
            $"🚨 BREAK-GLASS: {frozen[..^1]}, bypassed by label `{breakGlass.Label}` with the approval of {chosen.User.Login} ({chosen.Team}) at {Utc(chosen.ApprovedAt)}. " +
            $"Break-glass asked for by {invokedBy.Login}. Valid until {Utc(chosen.ExpiresAt)}; this decision is recorded as an exception.",
            [.. windowDetails, labelDetail, .. reviewerDetails],
            exception: new ControlExceptionInfo
            {
                Type = ControlExceptionInfo.BreakGlass,
                Label = breakGlass.Label,
                InvokedBy = invokedBy,
                ApprovedBy = chosen.User,
                ApprovedVia = chosen.Team,
                ApprovedAt = chosen.ApprovedAt.ToUniversalTime(),
                ExpiresAt = chosen.ExpiresAt.ToUniversalTime(),
                Bypassed = bypassed,
            });
    }

    private ControlResult Result(
        ControlStatus status,
        string summary,
        ImmutableArray<ResultDetail> details = default,
        string? howToFix = null,
        ControlExceptionInfo? exception = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details.IsDefault ? [] : details,
        HowToFix = howToFix,
        Exception = exception,
    };

    private static string Wait(ImmutableArray<FreezePeriod> active)
    {
        var last = active.Any(p => p.End is null) ? null : active.Max(p => p.End);
        return last is { } end
            ? $"Wait until the freeze ends ({FreezeCalendar.Describe(end, active.First(p => p.End == end).Window.TimeZone)}); FinGuard re-evaluates open pull requests when a freeze window closes."
            : "Wait until the freeze is lifted: a window that is open has no scheduled end.";
    }

    private static string BreakGlassProcedure(BreakGlassPolicy breakGlass, PullRequestSnapshot pr)
    {
        var teams = breakGlass.ApproverTeams.IsDefault ? [] : breakGlass.ApproverTeams;
        return $"For an urgent change, use break-glass: add the label `{breakGlass.Label}`, then ask a member of {SeparationOfDutiesControl.OrList(teams)} " +
            $"who may approve under separation of duties (did not write the change, is not excluded, has write access) to approve the current head {Short(pr.HeadSha)} after the label was added. " +
            $"The change may then pass for {Duration(breakGlass.MaxDuration)} after that approval, " +
            "and the decision is recorded as an exception in the evidence.";
    }

    private static string Until(FreezePeriod period) =>
        period.End is { } end ? FreezeCalendar.Describe(end, period.Window.TimeZone) : "further notice (its end schedule never occurs again)";

    private static string Period(FreezePeriod period) =>
        $"{FreezeCalendar.Describe(period.Start, period.Window.TimeZone)} to {Until(period)}";

    private static string Utc(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A duration as a policy file writes it: "4h", "30m", "1d", "1h30m".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration.TotalMinutes < 1)
        {
            return $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
        }

        var parts = new List<string>();
        if (duration.Days > 0)
        {
            parts.Add($"{duration.Days.ToString(CultureInfo.InvariantCulture)}d");
        }

        if (duration.Hours > 0)
        {
            parts.Add($"{duration.Hours.ToString(CultureInfo.InvariantCulture)}h");
        }

        if (duration.Minutes > 0)
        {
            parts.Add($"{duration.Minutes.ToString(CultureInfo.InvariantCulture)}m");
        }

        return string.Concat(parts);
    }

    private static bool IsState(ReviewFact review, string state) => string.Equals(review.State, state, StringComparison.OrdinalIgnoreCase);

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}
