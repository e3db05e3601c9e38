using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Freeze;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>freeze-window</c> for deployments: nothing is deployed to an environment while one of its freeze windows is open.
/// The windows are those of the policy's <c>freeze-window</c> section (the same calendar as for pull requests).
/// <para><b>Trigger</b>: <c>deployment_protection_rule</c> requested; <c>deployment_review</c> (re-decision).</para>
/// <para><b>Conditions</b>: with the environment's <c>freeze-windows: inherit</c> (the default), the windows whose
/// <c>environments</c> list is absent or names the environment apply; with a list of names, exactly those windows.
/// Whether a window is open is decided by <see cref="FreezeCalendar"/> at the evaluation time — never a clock.</para>
/// <para><b>Outcome</b>: pass when no applying window is open (naming the next one); while one is open, with the
/// environment's <c>during-freeze: hold</c> (the default) pending — "held by freeze window X until …": the deployment
/// keeps waiting and the <c>FreezeWindowEdges</c> timer decides it again when the window closes — and with
/// <c>during-freeze: reject</c> fail, naming each window and when it ends; error (fail closed) when a window cannot be computed or the environment names a window the
/// policy does not define; skipped when the <c>freeze-window</c> section is disabled or no window applies.
/// Break-glass: during a freeze, when the policy has a <c>freeze-window.break-glass</c> procedure, a deployment passes
/// when an environment review approving it for this environment has a comment containing the break-glass label (e.g.
/// <c>emergency-change: INC-42</c>) and its reviewer may approve a break-glass (<see cref="BreakGlassApprovers"/>, the
/// same rules as for a pull request: eligible under every separation-of-duties rule — not one of the deployers, who
/// invoked it by deploying, did not write the change, not a bot, not excluded, with write access when the policy
/// requires it — and a member of one of the approver teams), and the evaluation time is before the deployment's
/// creation plus <c>max-duration</c>. The approval asks for break-glass itself, so it cannot predate the request. It passes marked <b>BREAK-GLASS</b>, with
/// <see cref="ControlResult.Exception"/> naming the deployer as the one who asked and the reviewer as the approver.
/// When break-glass is asked for and no approval counts, the deployment is held or rejected as above, naming why each
/// did not count; error (fail closed) when the approver teams' members were not loaded or the writers of the change
/// cannot be told.</para>
/// </summary>
public sealed class DeploymentFreezeControl : IDeploymentControl
{
    public string Id => FreezeWindowControl.ControlId;

    public string Name => "Freeze window";

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = context.Policy.FreezeWindow;
        var environment = context.Deployment.Environment;
        if (!policy.Enabled)
        {
            return Result(ControlStatus.Skipped, "Disabled by policy.");
        }

        var windows = policy.Windows.IsDefault ? [] : policy.Windows;
        List<FreezeWindow> applying;
        if (context.Environment.FreezeWindows is { } names)
        {
            var unknown = names.Where(n => !windows.Any(w => string.Equals(w.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown.Count > 0)
            {
                return Result(
                    ControlStatus.Error,
                    $"{environment} names freeze {(unknown.Count == 1 ? "window" : "windows")} {SeparationOfDutiesControl.AndList(unknown.Select(n => $"'{n}'"))}, which the policy does not define (fail closed).",
                    [.. unknown.Select(n => new ResultDetail(n, false, "no freeze-window.windows entry has this name"))],
                    $"Define the window under freeze-window.windows, or remove it from deployments.environments.{environment}.freeze-windows.");
            }

            applying = [.. windows.Where(w => names.Contains(w.Name, StringComparer.OrdinalIgnoreCase))];
        }
        else
        {
            applying = [.. windows.Where(w => w.Environments is not { } environments || environments.Contains(environment, StringComparer.OrdinalIgnoreCase))];
        }

        if (applying.Count == 0)
        {
            return Result(ControlStatus.Skipped, $"No freeze window applies to {environment}.");
        }

        var calendar = FreezeCalendar.Create(applying);
        if (calendar.Problems.Length > 0)
        {
            return Result(
                ControlStatus.Error,
                $"FinGuard cannot tell whether {SeparationOfDutiesControl.AndList(calendar.Problems.Select(p => $"'{p.Window.Name}'"))} {(calendar.Problems.Length == 1 ? "is" : "are")} open (fail closed).",
                [.. calendar.Problems.Select(p => new ResultDetail(p.Window.Name, false, p.Message))],
                "Fix the freeze window in the policy file (run `finguard config validate`), then deploy again.");
        }

        var now = context.EvaluatedAt;
        var active = calendar.ActiveAt(now);
        if (active.Length == 0)
        {
            var upcoming = calendar.UpcomingAfter(now);
            var details = applying
                .Select(w => upcoming.FirstOrDefault(p => ReferenceEquals(p.Window, w)) is { } next
                    ? new ResultDetail(w.Name, true, $"not open; next from {FreezeCalendar.Describe(next.Start, w.TimeZone)}")
                    : new ResultDetail(w.Name, true, "not open, and does not open again"))
                .ToImmutableArray();
            return Result(
                ControlStatus.Pass,
                upcoming.Length > 0
                    ? $"No freeze is active for {environment}. Next: {upcoming[0].Window.Name} from {FreezeCalendar.Describe(upcoming[0].Start, upcoming[0].Window.TimeZone)}."
                    : $"No freeze is active for {environment}, and none is scheduled.",
                details);
        }

        var frozen = SeparationOfDutiesControl.AndList(active.Select(p => $"{p.Window.Name} until {Until(p)}"));
        var windowDetails = active.Select(p => new ResultDetail(p.Window.Name, false, $"open since {FreezeCalendar.Describe(p.Start, p.Window.TimeZone)} until {Until(p)}")).ToList();
        var breakGlass = policy.BreakGlass;
        List<ResultDetail> breakGlassDetails = [];
        if (breakGlass is not null)
        {
            var asked = BreakGlassRequests(context, breakGlass);
            if (asked.Count > 0)
            {
                var outcome = EvaluateBreakGlass(context, breakGlass, asked, active, frozen, windowDetails);
                if (outcome.Decided is { } decided)
                {
                    return decided;
                }

                breakGlassDetails = outcome.Refusals;
            }
        }

        var procedure = breakGlass is null
            ? "This policy has no break-glass procedure for urgent changes."
            : $"For an urgent deployment, use break-glass: a member of {SeparationOfDutiesControl.OrList(breakGlass.ApproverTeams.IsDefault ? [] : breakGlass.ApproverTeams)} who neither deployed nor wrote the change " +
              $"approves the deployment on GitHub (Review deployments) with a comment containing `{breakGlass.Label}` and the reason, within {FreezeWindowControl.Duration(breakGlass.MaxDuration)} of the deployment's start.";
        if (context.Environment.DuringFreeze == DuringFreeze.Hold)
        {
            return Result(
                ControlStatus.Pending,
                $"Held by freeze {(active.Length == 1 ? "window" : "windows")} {frozen}.",
                [.. windowDetails, .. breakGlassDetails],
                $"FinGuard decides again when the freeze ends (GitHub keeps a deployment waiting for up to 30 days). {procedure}");
        }

        return Result(
            ControlStatus.Fail,
            $"{environment} is frozen: {frozen}.",
            [.. windowDetails, .. breakGlassDetails],
            $"Deploy again after the freeze ends. {procedure}");
    }

    /// <summary>The reviews of this environment that approve it and ask for break-glass (the label in their comment); the last one per reviewer.</summary>
    private static List<EnvironmentApproval> BreakGlassRequests(DeploymentContext context, BreakGlassPolicy breakGlass) =>
        [.. (context.Deployment.Approvals.IsDefault ? [] : context.Deployment.Approvals)
            .Where(a => a.Environments.Contains(context.Deployment.Environment, StringComparer.OrdinalIgnoreCase))
            .GroupBy(a => a.User.Id)
            .Select(g => g.Last())
            .Where(a => string.Equals(a.State, "approved", StringComparison.OrdinalIgnoreCase) && AsksForBreakGlass(a.Comment, breakGlass.Label))];

    /// <summary>Whether an environment review's comment names the break-glass label (case-insensitive).</summary>
    public static bool AsksForBreakGlass(string? comment, string label) =>
        comment is not null && comment.Contains(label, StringComparison.OrdinalIgnoreCase);

    private (ControlResult? Decided, List<ResultDetail> Refusals) EvaluateBreakGlass(
        DeploymentContext context,
        BreakGlassPolicy breakGlass,
        List<EnvironmentApproval> asked,
        ImmutableArray<FreezePeriod> active,
        string frozen,
        List<ResultDetail> windowDetails)
    {
        var deployment = context.Deployment;
        var problems = BreakGlassApprovers.MissingTeams(breakGlass, deployment.TeamMembers)
            .Select(t => new ResultDetail(t, false, "the members of this break-glass approver team were not loaded, so FinGuard cannot check the approver against it"))
            .ToList();
        var decisions = deployment.PullRequestDecisions.IsDefault ? [] : deployment.PullRequestDecisions;
        var basis = decisions.Where(d => d.Passed).ToList() is { Count: > 0 } passed ? passed : [.. decisions];
        DeploymentSeparationOfDutiesControl.Writers? writers = null;
        if (basis.Count == 0 || basis.Any(d => d.Change is null))
        {
            problems.Add(new ResultDetail("writers", false, "no readable pull request decision says who wrote the change, so FinGuard cannot prove the approver did not write it"));
        }
        else
        {
            writers = DeploymentSeparationOfDutiesControl.Writers.Collect(basis.Select(d => d.Change!));
            problems.AddRange(writers.Problems);
        }

        if (deployment.RequestedAt is null)
        {
            problems.Add(new ResultDetail("deployment", false, "GitHub did not say when the deployment was created, so break-glass cannot be time-boxed"));
        }

        if (problems.Count > 0)
        {
            return (Result(
                ControlStatus.Error,
                $"{deployment.Environment} is frozen: {frozen}. Break-glass was asked for, but FinGuard cannot verify it (fail closed).",
                [.. windowDetails, .. problems],
                "Decide again (re-run the deployment). If this persists, check that FinGuard may read the team's members (organization permission Members: read)."), []);
        }

        var deployers = deployment.Deployers.IsDefault ? [] : deployment.Deployers;
        var expiresAt = deployment.RequestedAt!.Value + breakGlass.MaxDuration;
        var eligibility = DeploymentSeparationOfDutiesControl.Eligibility(context, writers!);
        var refusals = new List<ResultDetail>();
        var valid = new List<(EnvironmentApproval Review, string Team)>();
        foreach (var review in asked)
        {
            var user = review.User;
            var (reasons, team) = BreakGlassApprovers.Judge(user, eligibility, breakGlass, deployment.TeamMembers);
            string? refusal = true switch
            {
                _ when reasons.Count > 0 => string.Join("; ", reasons),
                _ when context.EvaluatedAt >= expiresAt =>
                    $"break-glass expired at {Utc(expiresAt)} ({FreezeWindowControl.Duration(breakGlass.MaxDuration)} after the deployment was created at {Utc(deployment.RequestedAt.Value)})",
                _ => null,
            };
            if (refusal is null)
            {
                valid.Add((review, team!));
                refusals.Add(new ResultDetail(user.Login, true, $"approved break-glass as a member of {team}; holds until {Utc(expiresAt)}"));
            }
            else
            {
                refusals.Add(new ResultDetail(user.Login, false, $"asked for break-glass (`{breakGlass.Label}` in the review comment), but does not count: {refusal}"));
            }
        }

        if (valid.Count == 0)
        {
            return (null, refusals);
        }

        var chosen = valid.OrderBy(v => v.Review.User.Login, StringComparer.Ordinal).First();
        var invoker = deployers.FirstOrDefault(d => !d.IsBot) ?? deployers.FirstOrDefault()
            ?? new Snapshots.GitHubUser("(unknown)", 0, false);
        return (Result(
            ControlStatus.Pass,
            $"🚨 BREAK-GLASS: {deployment.Environment} is frozen ({frozen}); deployed by {invoker.Login} with the break-glass approval of {chosen.Review.User.Login} ({chosen.Team}). " +
            $"Valid until {Utc(expiresAt)}; this decision is recorded as an exception.",
            [.. windowDetails, .. refusals],
            exception: new ControlExceptionInfo
            {
                Type = ControlExceptionInfo.BreakGlass,
                Label = breakGlass.Label,
                InvokedBy = invoker,
                ApprovedBy = chosen.Review.User,
                ApprovedVia = chosen.Team,
                ApprovedAt = context.EvaluatedAt.ToUniversalTime(),
                ExpiresAt = expiresAt.ToUniversalTime(),
                Bypassed = [.. active.Select(p => p.Window.Name)],
            }), refusals);
    }

    private static string Utc(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    private static string Until(FreezePeriod period) =>
        period.End is { } end ? FreezeCalendar.Describe(end, period.Window.TimeZone) : "further notice";

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details = default, string? howToFix = null, ControlExceptionInfo? exception = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details.IsDefault ? [] : details,
        HowToFix = howToFix,
        Exception = exception,
    };
}
