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
/// Break-glass for deployments is not available: the pull request label procedure does not apply to a deployment.</para>
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
        if (context.Environment.DuringFreeze == DuringFreeze.Hold)
        {
            return Result(
                ControlStatus.Pending,
                $"Held by freeze {(active.Length == 1 ? "window" : "windows")} {frozen}.",
                [.. active.Select(p => new ResultDetail(p.Window.Name, false, $"open since {FreezeCalendar.Describe(p.Start, p.Window.TimeZone)} until {Until(p)}"))],
                "FinGuard decides again when the freeze ends (GitHub keeps a deployment waiting for up to 30 days).");
        }

        return Result(
            ControlStatus.Fail,
            $"{environment} is frozen: {frozen}.",
            [.. active.Select(p => new ResultDetail(p.Window.Name, false, $"open since {FreezeCalendar.Describe(p.Start, p.Window.TimeZone)} until {Until(p)}"))],
            "Deploy again after the freeze ends. Break-glass is not available for deployments yet; an urgent change needs the policy owner to adjust the freeze window.");
    }

    private static string Until(FreezePeriod period) =>
        period.End is { } end ? FreezeCalendar.Describe(end, period.Window.TimeZone) : "further notice";

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details = default, string? howToFix = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details.IsDefault ? [] : details,
        HowToFix = howToFix,
    };
}
