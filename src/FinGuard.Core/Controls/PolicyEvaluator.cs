using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// Evaluates every control against one immutable snapshot. Pure: the same snapshot, policy and time give the
/// same result, which is what makes offline evaluation and evidence replay possible.
/// <para>The policy applies only to pull requests whose base branch matches one of <see cref="FinGuardPolicy.Branches"/>
/// (see <see cref="BranchPattern"/>); for any other base branch every control is skipped, saying why, and the
/// conclusion is success.</para>
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>The controls, in the order they are evaluated and shown.</summary>
    private static readonly ImmutableArray<IControl> Controls = [new SignedCommitsControl(), new SeparationOfDutiesControl(), new PathApprovalsControl(), new Scans.ScanStatusControl(), new Freeze.FreezeWindowControl()];

    /// <summary>The ids of the controls, in evaluation order.</summary>
    public static ImmutableArray<string> ControlIds { get; } = [.. Controls.Select(c => c.Id)];

    public static EvaluationResult Evaluate(PullRequestSnapshot pullRequest, FinGuardPolicy policy, DateTimeOffset evaluatedAt)
    {
        ArgumentNullException.ThrowIfNull(pullRequest);
        ArgumentNullException.ThrowIfNull(policy);

        // A policy read without a branch list gets the safe default, not "no branches".
        var branches = policy.Branches.IsDefault ? FinGuardPolicy.Default.Branches : policy.Branches;
        if (!BranchPattern.MatchesAny(branches, pullRequest.BaseRef, pullRequest.DefaultBranch))
        {
            var summary = $"Base branch `{pullRequest.BaseRef}` is not covered by this policy (branches: {DescribeBranches(branches, pullRequest.DefaultBranch)}).";
            var skipped = Controls
                .Select(c => new ControlResult { Id = c.Id, Name = c.Name, Status = ControlStatus.Skipped, Summary = summary })
                .ToImmutableArray();
            return EvaluationResult.FromControls(skipped) with { Title = $"Base branch {pullRequest.BaseRef} is not covered by this policy" };
        }

        var context = new EvaluationContext(pullRequest, policy, evaluatedAt);
        return EvaluationResult.FromControls(Controls.Select(c => c.Evaluate(context)).ToImmutableArray());
    }

    /// <summary>"`$default` (main), `release/*`", or "none".</summary>
    private static string DescribeBranches(ImmutableArray<string> branches, string? defaultBranch) =>
        branches.Length == 0
            ? "none"
            : string.Join(", ", branches.Select(b => b == FinGuardPolicy.DefaultBranchToken
                ? $"`{b}` ({defaultBranch ?? "default branch unknown"})"
                : $"`{b}`"));
}
