using FinGuard.Core.Evidence;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.Processing;

/// <summary>
/// Recomputes a pull request decision from an evidence record alone: its recorded GitHub responses and policy
/// files, and its recorded evaluation time, through the same evaluator the server uses.
/// </summary>
public static class EvidenceReplay
{
    public static PullRequestDecision Evaluate(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var facts = PullRequestFactSet.FromFacts(record.Subject.Repository, record.Facts.Select(f => new GitHubFact(f.Name, f.Request, f.Body)));
        return PullRequestEvaluator.Evaluate(facts, record.Timestamp);
    }
}
