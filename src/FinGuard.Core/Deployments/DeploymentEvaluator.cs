using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>What FinGuard answers GitHub for a deployment.</summary>
public enum DeploymentVerdict
{
    /// <summary>Every control passed: approve.</summary>
    Approved,

    /// <summary>A control failed or could not be evaluated: reject.</summary>
    Rejected,

    /// <summary>Nothing failed, and a control waits for something that may still arrive (environment approvals): answer later.</summary>
    Waiting,
}

/// <summary>
/// Evaluates every deployment control against one immutable snapshot. Pure: the same snapshot, policy and time give
/// the same result. <see cref="VerdictOf"/> turns the result into what GitHub is told.
/// </summary>
public static class DeploymentEvaluator
{
    private static readonly ImmutableArray<IDeploymentControl> Controls =
        [new ChainOfCustodyControl(), new DeploymentSeparationOfDutiesControl(), new AllowedRefsControl(), new DeploymentScanStatusControl(), new DeploymentFreezeControl(), new WaitTimerControl()];

    /// <summary>The ids of the controls, in evaluation order.</summary>
    public static ImmutableArray<string> ControlIds { get; } = [.. Controls.Select(c => c.Id)];

    /// <param name="deployment">The deployment's facts.</param>
    /// <param name="policy">The resolved policy.</param>
    /// <param name="evaluatedAt">The evaluation time.</param>
    /// <param name="leading">Results shown before the controls' (the policy file's problems).</param>
    public static EvaluationResult Evaluate(DeploymentSnapshot deployment, FinGuardPolicy policy, DateTimeOffset evaluatedAt, ImmutableArray<ControlResult> leading = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(policy);
        var context = new DeploymentContext(deployment, policy, evaluatedAt);
        var result = EvaluationResult.FromControls([.. leading.IsDefault ? [] : leading, .. Controls.Select(c => c.Evaluate(context))]);
        return result with { Title = Title(deployment, result) };
    }

    public static DeploymentVerdict VerdictOf(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Conclusion switch
        {
            Conclusion.Success => DeploymentVerdict.Approved,
            Conclusion.ActionRequired => DeploymentVerdict.Waiting,
            _ => DeploymentVerdict.Rejected,
        };
    }

    private static string Title(DeploymentSnapshot deployment, EvaluationResult result)
    {
        var what = $"{(deployment.IsRollback ? "Rollback" : "Deployment")} of {ChainOfCustodyControl.Short(deployment.Sha)} to {deployment.Environment}";
        return VerdictOf(result) switch
        {
            DeploymentVerdict.Approved => $"{what} approved: {result.Title.ToLowerInvariant()}",
            DeploymentVerdict.Waiting => $"{what} waiting: {result.Title.ToLowerInvariant()}",
            _ => $"{what} rejected: {result.Title.ToLowerInvariant()}",
        };
    }
}
