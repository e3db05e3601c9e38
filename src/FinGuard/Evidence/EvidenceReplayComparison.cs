using System.Globalization;
using FinGuard.Core.Evidence;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Processing;

namespace FinGuard.Evidence;

/// <summary>
/// A recorded decision next to the decision recomputed from the record's own inputs (its GitHub responses and policy
/// files) at the recorded evaluation time, through the evaluator the server uses (<see cref="EvidenceReplay"/>).
/// </summary>
/// <param name="Recorded">The result as recorded.</param>
/// <param name="Recomputed">The result recomputed, in the same evidence form.</param>
/// <param name="DecisionDifferences">Differences in what was decided: verdict, conclusion, reason code, the set of controls and each control's status.</param>
/// <param name="WordingDifferences">Differences only in explanation: title, a control's summary or reasons (e.g. a later FinGuard version words them differently).</param>
public sealed record EvidenceReplayComparison(
    EvidenceResult Recorded,
    EvidenceResult Recomputed,
    IReadOnlyList<string> DecisionDifferences,
    IReadOnlyList<string> WordingDifferences)
{
    public bool DecisionMatches => DecisionDifferences.Count == 0;

    public bool ExactMatch => DecisionMatches && WordingDifferences.Count == 0;

    /// <summary>
    /// Recomputes a pull request decision from <paramref name="record"/> and compares. Throws
    /// <see cref="GitHubFactsException"/> when the record's inputs cannot be parsed, and
    /// <see cref="ArgumentException"/> when the record is not a pull request decision.
    /// </summary>
    public static EvidenceReplayComparison Compare(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (string.Equals(record.Action, DeploymentRecordFactory.DeploymentAction, StringComparison.Ordinal))
        {
            return Compare(record.Result, DeploymentRecordFactory.ResultOf(EvidenceReplay.EvaluateDeployment(record)));
        }

        if (!string.Equals(record.Action, EvidenceRecordFactory.PullRequestAction, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The record's action is '{record.Action}'; only '{EvidenceRecordFactory.PullRequestAction}' and '{DeploymentRecordFactory.DeploymentAction}' decisions can be replayed"
                + (CheckpointRecords.IsCheckpoint(record) ? " (a checkpoint is checked by 'finguard evidence verify')." : "."),
                nameof(record));
        }

        var decision = EvidenceReplay.Evaluate(record);

        // The recomputed decision in evidence form, through the same factory the server uses, so both sides are mapped alike.
        var facts = PullRequestFactSet.FromFacts(record.Subject.Repository, record.Facts.Select(f => new GitHubFact(f.Name, f.Request, f.Body)));
        var trigger = new PullRequestTrigger(
            record.Subject.InstallationId ?? 0,
            record.Subject.Repository,
            record.Subject.RepositoryId,
            record.Subject.PullRequest ?? decision.Snapshot.Number,
            record.DeliveryId,
            "replay",
            null,
            record.Actor);
        return Compare(record.Result, EvidenceRecordFactory.ForPullRequest(trigger, facts, decision, record.Timestamp, record.Mode).Result);
    }

    /// <summary>Compares a recorded result with the recomputed one, both in evidence form.</summary>
    private static EvidenceReplayComparison Compare(EvidenceResult recorded, EvidenceResult recomputed)
    {
        var decisionDifferences = new List<string>();
        var wordingDifferences = new List<string>();
        Compare(decisionDifferences, "verdict", recorded.Verdict, recomputed.Verdict);
        Compare(decisionDifferences, "conclusion", recorded.Conclusion, recomputed.Conclusion);
        Compare(decisionDifferences, "reason code", recorded.ReasonCode, recomputed.ReasonCode);
        Compare(wordingDifferences, "title", recorded.Title, recomputed.Title);

        var recomputedById = recomputed.Controls.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var control in recorded.Controls)
        {
            if (!recomputedById.TryGetValue(control.Id, out var other))
            {
                decisionDifferences.Add($"control {control.Id}: recorded as {control.Status}, but the recomputed decision has no such control");
                continue;
            }

            Compare(decisionDifferences, $"control {control.Id} status", control.Status, other.Status);
            Compare(decisionDifferences, $"control {control.Id} exception", Describe(control.Exception), Describe(other.Exception));
            Compare(wordingDifferences, $"control {control.Id} summary", control.Summary, other.Summary);
            if (!control.Reasons.SequenceEqual(other.Reasons, StringComparer.Ordinal))
            {
                wordingDifferences.Add(
                    $"control {control.Id} reasons: recorded [{string.Join(" | ", control.Reasons)}], recomputed [{string.Join(" | ", other.Reasons)}]");
            }
        }

        foreach (var extra in recomputed.Controls.Where(c => !recorded.Controls.Any(r => r.Id == c.Id)))
        {
            // A control a later FinGuard added, which did not apply to this record's facts and policy, changes no decision.
            (string.Equals(extra.Status, "skipped", StringComparison.Ordinal) ? wordingDifferences : decisionDifferences)
                .Add($"control {extra.Id}: recomputed as {extra.Status}, but the record has no such control");
        }

        if (!recorded.Controls.Select(c => c.Id).SequenceEqual(recomputed.Controls.Select(c => c.Id), StringComparer.Ordinal)
            && recorded.Controls.Count == recomputed.Controls.Count)
        {
            wordingDifferences.Add(string.Create(CultureInfo.InvariantCulture,
                $"control order: recorded {string.Join(", ", recorded.Controls.Select(c => c.Id))}, recomputed {string.Join(", ", recomputed.Controls.Select(c => c.Id))}"));
        }

        return new EvidenceReplayComparison(recorded, recomputed, decisionDifferences, wordingDifferences);
    }

    /// <summary>A control's exception (break-glass) as one comparable line; "none" without one.</summary>
    public static string Describe(EvidenceExceptionInfo? exception) => exception is null
        ? "none"
        : string.Create(CultureInfo.InvariantCulture,
            $"{exception.Type} (label {exception.Label}) invoked by {exception.InvokedBy.Login ?? "?"}, approved by {exception.ApprovedBy.Login ?? "?"} via {exception.ApprovedVia} at {exception.ApprovedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, until {exception.ExpiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}; bypassed: {string.Join(", ", exception.Bypassed)}");

    private static void Compare(List<string> differences, string what, string recorded, string recomputed)
    {
        if (!string.Equals(recorded, recomputed, StringComparison.Ordinal))
        {
            differences.Add($"{what}: recorded '{recorded}', recomputed '{recomputed}'");
        }
    }
}
