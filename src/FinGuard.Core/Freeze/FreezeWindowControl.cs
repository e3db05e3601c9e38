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
/// latest decisive review is an approval of the current head is a member of a break-glass approver team, is not a
/// bot, did not open the pull request and did not author or commit any of its commits, and approved less than
/// <see cref="BreakGlassPolicy.MaxDuration"/> before the evaluation time.</item>
/// </list></para>
/// <para><b>Outcome</b>: pass when no applicable window is open (naming the next one); fail while one is open, naming
/// each open window and when it ends (local time and UTC), with how to wait or use break-glass; pass, marked
/// <b>BREAK-GLASS</b> in the summary and carrying <see cref="ControlResult.Exception"/> (type <c>break-glass</c>, the
/// pull request's author as the one who asked, the approver, the approval time and when it expires) when break-glass
/// is valid; error (fail closed) when a window cannot be computed, or when break-glass is asked for and FinGuard cannot
/// tell who the approvers are (a team's members not loaded, a commit author or committer GitHub could not map to an
/// account, commits missing); skipped when disabled, when no window is configured, or when no window covers the base
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

        return EvaluateBreakGlass(pr, breakGlass, active, frozen, windowDetails, now);
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
        ImmutableArray<FreezePeriod> active,
        string frozen,
        List<ResultDetail> windowDetails,
        DateTimeOffset now)
    {
        var teams = breakGlass.ApproverTeams.IsDefault ? [] : breakGlass.ApproverTeams;
        var head = Short(pr.HeadSha);
        var labelDetail = new ResultDetail(breakGlass.Label, true, "break-glass label is on this pull request");

        // Facts FinGuard needs to know who may approve, and does not have: fail closed.
        var problems = new List<ResultDetail>();
        foreach (var team in teams.Where(t => !pr.TeamMembers.ContainsKey(t)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new ResultDetail(team, false, "the members of this break-glass approver team were not loaded, so FinGuard cannot check the approver against it"));
        }

        if (pr.Commits.Length < pr.ReportedCommitCount)
        {
            problems.Add(new ResultDetail("commits", false, $"GitHub reported {pr.ReportedCommitCount} commits but listed {pr.Commits.Length}, so FinGuard cannot tell who wrote the change"));
        }

        foreach (var commit in pr.Commits)
        {
            if (commit.Author is null || (commit.Committer is null && !commit.IsWebFlow))
            {
                var email = commit.Author is null ? commit.AuthorEmail : commit.CommitterEmail;
                problems.Add(new ResultDetail(commit.ShortSha, false, $"GitHub could not link `{email ?? "(no email)"}` to an account, so FinGuard cannot prove the approver did not write this commit"));
            }
        }

        if (problems.Count > 0)
        {
            return Result(
                ControlStatus.Error,
                $"{frozen} Break-glass was asked for, but FinGuard cannot verify it (fail closed).",
                [.. windowDetails, labelDetail, .. problems],
                "Re-run FinGuard. If this persists, check that FinGuard may read the team's members (organization permission Members: read) and that every commit's author and committer email is verified on a GitHub account.");
        }

        var writers = new HashSet<long> { pr.Author.Id };
        foreach (var commit in pr.Commits)
        {
            writers.Add(commit.Author!.Id);
            if (!commit.IsWebFlow)
            {
                writers.Add(commit.Committer!.Id);
            }
        }

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
            var team = teams.FirstOrDefault(t => pr.TeamMembers.TryGetValue(t, out var members) && members.Contains(user.Login));
            string? refusal = latest switch
            {
                null => "has no submitted approval",
                _ when !IsState(latest, "APPROVED") => $"withdrew their approval (latest review: {latest.State.ToUpperInvariant()})",
                _ when !string.Equals(latest.CommitId, pr.HeadSha, StringComparison.OrdinalIgnoreCase) => $"approved {(latest.CommitId is null ? "an unrecorded commit" : Short(latest.CommitId))}, not the current head {head}",
                _ when user.IsBot => "is a bot",
                _ when writers.Contains(user.Id) => "opened this pull request or wrote one of its commits, and cannot approve their own break-glass",
                _ when team is null => $"is not a member of {SeparationOfDutiesControl.OrList(teams)}",
                _ when latest.SubmittedAt is null => "approval has no submission time, so it cannot be time-boxed",
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
            $"Valid until {Utc(chosen.ExpiresAt)}; this decision is recorded as an exception.",
            [.. windowDetails, labelDetail, .. reviewerDetails],
            exception: new ControlExceptionInfo
            {
                Type = ControlExceptionInfo.BreakGlass,
                Label = breakGlass.Label,
                InvokedBy = pr.Author,
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
        return $"For an urgent change, use break-glass: add the label `{breakGlass.Label}` and ask a member of {SeparationOfDutiesControl.OrList(teams)} " +
            $"who did not write the change to approve the current head {Short(pr.HeadSha)}. The change may then pass for {Duration(breakGlass.MaxDuration)} after that approval, " +
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
