using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// Evaluates every control against one immutable snapshot. Pure: the same snapshot, policy and time give the
/// same result, which is what makes offline evaluation and evidence replay possible.
/// </summary>
public static class PolicyEvaluator
{
    private static readonly ImmutableArray<IControl> Controls = [new SignedCommitsControl()];

    public static EvaluationResult Evaluate(PullRequestSnapshot pullRequest, FinGuardPolicy policy, DateTimeOffset evaluatedAt)
    {
        var context = new EvaluationContext(pullRequest, policy, evaluatedAt);
        return EvaluationResult.FromControls(Controls.Select(c => c.Evaluate(context)).ToImmutableArray());
    }
}
