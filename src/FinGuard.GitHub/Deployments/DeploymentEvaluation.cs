using System.Collections.Immutable;
using FinGuard.Core.Deployments;
using FinGuard.Core.Results;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.GitHub.Deployments;

/// <summary>
/// The one evaluation path for deployments: the pure <see cref="DeploymentEvaluator"/> over the snapshot, with the
/// policy files' problems shown first. A broken policy file never passes silently: it adds an error result (the
/// deployment is rejected) and the controls run with the safe defaults for whatever the broken file would have set.
/// </summary>
public static class DeploymentEvaluation
{
    public static EvaluationResult Evaluate(DeploymentSnapshot deployment, ResolvedPolicy policy, DateTimeOffset evaluatedAt)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(policy);
        ImmutableArray<ControlResult> leading = policy.Problems.Length == 0 ? [] : [PolicyResult(policy)];
        return DeploymentEvaluator.Evaluate(deployment, policy.Policy, evaluatedAt, leading);
    }

    private static ControlResult PolicyResult(ResolvedPolicy policy) => new()
    {
        Id = PullRequestEvaluator.PolicyControlId,
        Name = "Policy file",
        Status = policy.Broken ? ControlStatus.Error : ControlStatus.Pass,
        Summary = policy.Broken
            ? $"The policy file has {policy.Problems.Count(p => p.Level == "failure")} problem(s); the safe defaults apply where it could not be read."
            : $"The policy file has {policy.Problems.Length} warning(s).",
        Details = [.. policy.Problems.Select(p => new ResultDetail($"{p.Path}:{p.Line}:{p.Column}", p.Level != "failure", p.Message))],
        HowToFix = policy.Broken
            ? "Fix the policy file on the default branch (run `finguard config validate .github/finguard.yml` locally), then deploy again."
            : null,
    };
}
