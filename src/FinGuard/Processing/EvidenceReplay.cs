using FinGuard.Core.Deployments;
using FinGuard.Core.Evidence;
using FinGuard.Core.Results;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.Processing;

/// <summary>
/// Recomputes a decision from an evidence record alone: its recorded GitHub responses and policy files (and, for a
/// deployment, the inputs it took from FinGuard's own evidence, <see cref="DeploymentInputs"/>), at its recorded
/// evaluation time, through the same evaluator the server uses.
/// </summary>
public static class EvidenceReplay
{
    public static PullRequestDecision Evaluate(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var facts = PullRequestFactSet.FromFacts(record.Subject.Repository, record.Facts.Select(f => new GitHubFact(f.Name, f.Request, f.Body)));
        return PullRequestEvaluator.Evaluate(facts, record.Timestamp);
    }

    /// <summary>Recomputes a deployment decision (<c>deployment.evaluate</c>) from its record.</summary>
    public static EvaluationResult EvaluateDeployment(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Deployment is not { } deployment)
        {
            throw new GitHubFactsException("The record has no 'deployment' section, so it is not a deployment decision.");
        }

        var facts = DeploymentFactSet.FromFacts(record.Subject.Repository, record.Facts.Select(f => new GitHubFact(f.Name, f.Request, f.Body)));
        var inputs = record.Facts.FirstOrDefault(f => f.Name == DeploymentInputs.FactName) is { } fact
            ? DeploymentInputs.FromJson(fact.Body)
            : throw new GitHubFactsException($"The record has no '{DeploymentInputs.FactName}' fact (records written before FinGuard kept it cannot be replayed).");
        var policy = PullRequestEvaluator.ResolvePolicy(facts.OrganizationPolicy, facts.RepositoryPolicy);
        var snapshot = DeploymentSnapshotParser.Parse(facts, deployment.Environment, deployment.RunId, inputs.PullRequestDecisions, inputs.PreviousApproved);
        return DeploymentEvaluation.Evaluate(snapshot, policy, record.Timestamp);
    }
}
