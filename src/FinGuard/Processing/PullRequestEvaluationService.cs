using System.Text;
using FinGuard.Core.Evidence;
using FinGuard.GitHub.Api;
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
/// <para>
/// Never a silent pass: when the facts cannot be loaded because GitHub is unreachable or rate limited (a transient
/// <see cref="GitHubApiException"/>, after the client's bounded retries), the head SHA's check is set to
/// <c>in_progress</c> — "FinGuard could not reach GitHub; retrying", naming what failed — if GitHub takes that write,
/// and the exception is rethrown so the <see cref="DeliveryWorker"/> retries the delivery. No evidence is written and
/// no conclusion published until an evaluation completes.
/// </para>
/// </summary>
public sealed partial class PullRequestEvaluationService(
    PullRequestFactsLoader loader,
    IEvidenceStore evidence,
    CheckRunPublisher publisher,
    TimeProvider time,
    FinGuard.Evidence.EvidenceModeState mode,
    FinGuardTelemetry telemetry,
    Storage.Pushes.IHeadPushes headPushes,
    ILogger<PullRequestEvaluationService> logger)
{
    public async Task<EvidenceReceipt> EvaluateAsync(PullRequestTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        using var activity = FinGuardTelemetry.StartEvaluation(FinGuardTelemetry.Kinds.PullRequest, trigger.Repository);
        activity?.SetTag(FinGuardTelemetry.Tags.PullRequest, trigger.Number);
        var chain = trigger.Repository.ToLowerInvariant();

        // A crashed earlier attempt may have written this delivery's record without indexing it: adopt it first, so the
        // checks below see it and the delivery is not decided twice.
        await evidence.RecoverAsync(chain, cancellationToken);
        var recordedForHead = trigger.HeadSha is { Length: > 0 } deliveredHead
            ? await evidence.FindByShaAsync(chain, deliveredHead, cancellationToken)
            : null;

        var started = time.GetTimestamp();

        // The delivery's pull request object is as fresh as GitHub's answer would be unless a later delivery about
        // this head was decided first — then there is a record for the head, and GitHub is asked.
        var delivered = trigger.Pull is { } pull && recordedForHead is { Count: 0 }
            ? new DeliveredPull(pull, $"webhook {trigger.Event}.{trigger.Action} delivery {trigger.DeliveryId}: pull_request")
            : null;
        PullRequestFactSet facts;
        try
        {
            facts = await loader.LoadAsync(trigger.InstallationId, trigger.Repository, trigger.Number, delivered, cancellationToken);
        }
        catch (GitHubApiException ex) when (ex.IsTransient)
        {
            await PublishUnreachableAsync(trigger, ex, cancellationToken);
            throw;
        }

        facts = await HeadPushRecorder.AddAsync(headPushes, facts, cancellationToken);

        var evaluatedAt = time.GetUtcNow();
        var decision = PullRequestEvaluator.Evaluate(facts, evaluatedAt);
        var elapsed = time.GetElapsedTime(started);

        var recorded = recordedForHead is not null && string.Equals(decision.Snapshot.HeadSha, trigger.HeadSha, StringComparison.OrdinalIgnoreCase)
            ? recordedForHead
            : await evidence.FindByShaAsync(chain, decision.Snapshot.HeadSha, cancellationToken);
        foreach (var previous in recorded.Where(e => e.DeliveryId == trigger.DeliveryId && e.PullRequest == trigger.Number))
        {
            // Replayed only from a verified record that itself names this delivery: a row edited to name it (or whose
            // record was changed) is an alert, and the delivery is decided again from GitHub's facts instead.
            var read = await evidence.ReadVerifiedAsync(previous, cancellationToken);
            if (read.Record is not { } recordedDecision)
            {
                LogEvidenceCorrupt(read.Problem!);
                continue;
            }

            LogRepublishing(previous.BlobName);
            activity?.SetTag("finguard.evidence.replayed", true);
            var replayed = EvidenceReplay.Evaluate(recordedDecision);
            await PublishAsync(trigger, replayed, previous.BlobName, firstForHead: false, cancellationToken);
            return new EvidenceReceipt(chain, recordedDecision.Sequence, previous.BlobName, read.Sha256!, recordedDecision.PreviousSha256);
        }

        var record = EvidenceRecordFactory.ForPullRequest(trigger, facts, decision, evaluatedAt, mode.Current);
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        LogDecided(trigger.Number, decision.Snapshot.HeadSha, decision.Result.Conclusion, receipt.BlobName);
        telemetry.Decided(FinGuardTelemetry.Kinds.PullRequest, elapsed, record.Result.Verdict, record.Result.Conclusion);

        // No earlier record for this head: FinGuard has published no decision on it, so there is no run to look up.
        await PublishAsync(trigger, decision, receipt.BlobName, firstForHead: recorded.Count == 0, cancellationToken);
        return receipt;
    }

    private Task<long> PublishAsync(PullRequestTrigger trigger, PullRequestDecision decision, string evidenceReference, bool firstForHead, CancellationToken cancellationToken)
    {
        // Annotations can only point at files of the pull request's own repository.
        var annotations = decision.Policy.Problems
            .Where(p => string.Equals(p.Repository, trigger.Repository, StringComparison.OrdinalIgnoreCase))
            .Concat(decision.Result.Controls.SelectMany(c => c.Annotations)
                .Select(a => new FileAnnotation(a.Path, trigger.Repository, a.Line, 1, a.Level, $"{a.Title}: {a.Message}")))
            .ToList();
        var detailsUrl = new Uri($"https://github.com/{trigger.Repository}/pull/{trigger.Number}");
        return publisher.PublishAsync(trigger.InstallationId, trigger.Repository, decision.Snapshot.HeadSha, decision.Result, evidenceReference, cancellationToken, annotations, detailsUrl, firstDecision: firstForHead);
    }

    public const string UnreachableTitle = "FinGuard could not reach GitHub; retrying";

    private async Task PublishUnreachableAsync(PullRequestTrigger trigger, GitHubApiException failure, CancellationToken cancellationToken)
    {
        if (trigger.HeadSha is not { Length: > 0 } headSha)
        {
            LogUnreachableNoHead(trigger.Number);
            return;
        }

        var summary = new StringBuilder()
            .Append("FinGuard has **not** decided on this pull request: it could not load what the controls need from GitHub.\n\n")
            .Append("What failed: ").Append(failure.Message).Append("\n\n")
            .Append(failure.RateLimitedUntil is { } until
                ? $"GitHub's rate limit resets at {until.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC. "
                : string.Empty)
            .Append("The delivery is retried automatically with back-off; this check is completed when an evaluation succeeds.")
            .ToString();
        try
        {
            var detailsUrl = new Uri($"https://github.com/{trigger.Repository}/pull/{trigger.Number}");
            await publisher.PublishInProgressAsync(trigger.InstallationId, trigger.Repository, headSha, UnreachableTitle, summary, detailsUrl, cancellationToken);
            LogUnreachablePublished(trigger.Number, headSha);
        }
        catch (Exception ex) when (ex is GitHubApiException or FinGuard.GitHub.Auth.GitHubAuthException)
        {
            // GitHub takes no writes either; the retry is what matters, and it is scheduled by the caller.
            LogUnreachableNotPublished(ex, trigger.Number);
        }
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "PR #{Number} could not be evaluated (GitHub unreachable); check at {HeadSha} set to in progress, the delivery will be retried")]
    private partial void LogUnreachablePublished(int number, string headSha);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "PR #{Number} could not be evaluated and the in-progress check could not be published either; the delivery will be retried")]
    private partial void LogUnreachableNotPublished(Exception exception, int number);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "PR #{Number} could not be evaluated (GitHub unreachable) and the delivery names no head SHA to mark; the delivery will be retried")]
    private partial void LogUnreachableNoHead(int number);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "PR #{Number} at {HeadSha}: {Conclusion}; evidence {BlobName}")]
    private partial void LogDecided(int number, string headSha, Core.Results.Conclusion conclusion, string blobName);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Critical, Message = "ALERT evidence corruption: {Problem}. Not replayed; deciding again from GitHub. Run 'finguard evidence verify --live' and investigate who changed the evidence store")]
    private partial void LogEvidenceCorrupt(string problem);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Evidence {BlobName} already exists for this delivery; publishing it again instead of deciding twice")]
    private partial void LogRepublishing(string blobName);
}
