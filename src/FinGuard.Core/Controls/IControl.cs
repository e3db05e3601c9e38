using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>Everything an evaluation may look at: facts, policy, and the evaluation time. Nothing else.</summary>
public sealed record EvaluationContext(PullRequestSnapshot PullRequest, FinGuardPolicy Policy, DateTimeOffset EvaluatedAt);

/// <summary>A compliance control: a pure function of the evaluation context.</summary>
public interface IControl
{
    /// <summary>Stable id used in evidence, policy files and the CLI, e.g. <c>signed-commits</c>.</summary>
    string Id { get; }

    /// <summary>Human name shown in the check run.</summary>
    string Name { get; }

    ControlResult Evaluate(EvaluationContext context);
}
