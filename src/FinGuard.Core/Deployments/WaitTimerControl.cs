using System.Collections.Immutable;
using System.Globalization;
using FinGuard.Core.Freeze;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>wait-timer</c>: a deployment to an environment with <c>deployments.environments.&lt;name&gt;.wait-timer</c> is
/// approved only once that long has passed since GitHub created the deployment, as GitHub's own environment wait timer
/// does, but enforced by FinGuard and recorded in its evidence.
/// <para><b>Conditions</b>: the start is the payload's <c>deployment.created_at</c> (the verified
/// <c>deployment_protection_rule</c> delivery), never the time FinGuard happened to process it; the end is compared
/// with the evaluation time — never a clock.</para>
/// <para><b>Outcome</b>: skipped when the environment has no wait timer; pending ("waits until …") before the end: the
/// deployment keeps waiting, GitHub is told until when, and the <c>FreezeWindowEdges</c> timer decides it again once
/// the end has passed (<see cref="Due"/>); pass after it; error (fail closed) when GitHub did not say when the
/// deployment was created, since then no one can tell when the wait ends.</para>
/// </summary>
public sealed class WaitTimerControl : IDeploymentControl
{
    public const string ControlId = "wait-timer";

    public string Id => ControlId;

    public string Name => "Wait timer";

    /// <summary>When the environment's wait timer ends for this deployment; null when it has none or its start is unknown.</summary>
    public static DateTimeOffset? Due(DeploymentSnapshot deployment, EnvironmentDeploymentPolicy environment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(environment);
        return environment.WaitTimer is { } wait && deployment.RequestedAt is { } requested ? requested + wait : null;
    }

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var environment = context.Deployment.Environment;
        if (context.Environment.WaitTimer is not { } wait)
        {
            return Result(ControlStatus.Skipped, $"{environment} has no wait timer.", []);
        }

        var timer = FreezeWindowControl.Duration(wait);
        if (context.Deployment.RequestedAt is not { } requested)
        {
            return Result(
                ControlStatus.Error,
                $"{environment} has a {timer} wait timer, but GitHub did not say when this deployment was created, so FinGuard cannot tell when the wait ends (fail closed).",
                [new ResultDetail("deployment.created_at", false, "absent from the deployment_protection_rule payload")],
                "Deploy through a GitHub Actions job with `environment:` set, so GitHub creates a deployment object; or remove the wait timer.");
        }

        var due = requested + wait;
        var detail = new ResultDetail("deployment.created_at", true, $"{Utc(requested)}; the {timer} wait ends {Utc(due)}");
        return context.EvaluatedAt < due
            ? Result(ControlStatus.Pending, $"Waits until {Utc(due)}: {environment} has a {timer} wait timer from the deployment's creation at {Utc(requested)}.", [detail])
            : Result(ControlStatus.Pass, $"The {timer} wait timer of {environment} ended at {Utc(due)}.", [detail]);
    }

    private static string Utc(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details, string? howToFix = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details,
        HowToFix = howToFix,
    };
}
