using FinGuard.Core.Evidence;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Telemetry;

namespace FinGuard.Processing;

/// <summary>
/// Load facts → evaluate (pure) → write evidence (durable) → publish the check run. The order is the
/// guarantee: no check run is published for a decision whose evidence is not stored. If a previous attempt
/// for the same delivery already stored evidence (a crash before publishing), that record is replayed and
/// published instead of deciding twice (not counted as a decision again).
/// Traced as a <c>finguard.evaluate</c> span; a new decision records <c>finguard.evaluation.duration</c> (loading the
/// facts and evaluating) and <c>finguard.decisions</c>.
/// </summary>
public sealed partial class PullRequestEvaluationService(
    PullRequestFactsLoader loader,
    IEvidenceStore evidence,
    CheckRunPublisher publisher,
    TimeProvider time,
    FinGuard.Evidence.EvidenceModeState mode,
    FinGuardTelemetry telemetry,
    ILogger<PullRequestEvaluationService> logger)
{
    public async Task<EvidenceReceipt> EvaluateAsync(PullRequestTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        using var activity = FinGuardTelemetry.StartEvaluation(FinGuardTelemetry.Kinds.PullRequest, trigger.Repository);
        activity?.SetTag(FinGuardTelemetry.Tags.PullRequest, trigger.Number);
        var started = time.GetTimestamp();
        var facts = await loader.LoadAsync(trigger.InstallationId, trigger.Repository, trigger.Number, cancellationToken);
        var evaluatedAt = time.GetUtcNow();
        var decision = PullRequestEvaluator.Evaluate(facts, evaluatedAt);
        var elapsed = time.GetElapsedTime(started);
        var chain = trigger.Repository.ToLowerInvariant();

        var previous = (await evidence.FindByShaAsync(chain, decision.Snapshot.HeadSha, cancellationToken))
            .FirstOrDefault(e => e.DeliveryId == trigger.DeliveryId && e.PullRequest == trigger.Number);
        if (previous is not null)
        {
            LogRepublishing(previous.BlobName);
            activity?.SetTag("finguard.evidence.replayed", true);
            var bytes = await evidence.ReadAsync(previous.BlobName, cancellationToken)
                ?? throw new InvalidOperationException($"Evidence index names {previous.BlobName}, but the record is missing.");
            var recorded = EvidenceSerializer.FromBytes(bytes);
            var replayed = EvidenceReplay.Evaluate(recorded);
            await PublishAsync(trigger, replayed, previous.BlobName, cancellationToken);
            return new EvidenceReceipt(chain, previous.Sequence, previous.BlobName, previous.Sha256, recorded.PreviousSha256);
        }

        var record = EvidenceRecordFactory.ForPullRequest(trigger, facts, decision, evaluatedAt, mode.Current);
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        LogDecided(trigger.Number, decision.Snapshot.HeadSha, decision.Result.Conclusion, receipt.BlobName);
        telemetry.Decided(FinGuardTelemetry.Kinds.PullRequest, elapsed, record.Result.Verdict, record.Result.Conclusion);

        await PublishAsync(trigger, decision, receipt.BlobName, cancellationToken);
        return receipt;
    }

    private Task<long> PublishAsync(PullRequestTrigger trigger, PullRequestDecision decision, string evidenceReference, CancellationToken cancellationToken)
    {
        // Annotations can only point at files of the pull request's own repository.
        var annotations = decision.Policy.Problems
            .Where(p => string.Equals(p.Repository, trigger.Repository, StringComparison.OrdinalIgnoreCase))
            .Concat(decision.Result.Controls.SelectMany(c => c.Annotations)
                .Select(a => new FileAnnotation(a.Path, trigger.Repository, a.Line, 1, a.Level, $"{a.Title}: {a.Message}")))
            .ToList();
        var detailsUrl = new Uri($"https://github.com/{trigger.Repository}/pull/{trigger.Number}");
        return publisher.PublishAsync(trigger.InstallationId, trigger.Repository, decision.Snapshot.HeadSha, decision.Result, evidenceReference, cancellationToken, annotations, detailsUrl);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "PR #{Number} at {HeadSha}: {Conclusion}; evidence {BlobName}")]
    private partial void LogDecided(int number, string headSha, Core.Results.Conclusion conclusion, string blobName);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Evidence {BlobName} already exists for this delivery; publishing it again instead of deciding twice")]
    private partial void LogRepublishing(string blobName);
}
