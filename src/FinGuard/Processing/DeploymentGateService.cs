using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Deployments;
using FinGuard.Core.Evidence;
using FinGuard.Core.Results;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Storage.Deployments;
using FinGuard.Telemetry;

namespace FinGuard.Processing;

/// <summary>The delivery that causes a deployment decision (the request itself, or an environment review).</summary>
/// <param name="DeliveryId">Its <c>X-GitHub-Delivery</c>.</param>
/// <param name="Event">Its event.</param>
/// <param name="Action">Its action.</param>
/// <param name="Actor">Its sender.</param>
/// <param name="Source">The evidence record's <c>source</c>; null: <c>github-webhook:{event}.{action}</c>.</param>
public sealed record DeploymentTrigger(string DeliveryId, string Event, string? Action, EvidenceActor Actor, string? Source = null);

/// <summary>One lock per deployment request within the process, so two deliveries about it never decide at once.</summary>
public sealed class DeploymentRequestLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var gate = locks.GetOrAdd($"{request.Repository.ToLowerInvariant()}/{request.Key}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}

/// <summary>
/// The deployment gate: decides a <see cref="DeploymentRequest"/> and answers GitHub.
/// <list type="number">
/// <item><b>Load</b> the facts (payload, workflow run, environment reviews, pull requests of the deployed commit,
/// policy from the default branch) and FinGuard's own decisions about those pull requests: the evidence index
/// (<see cref="IEvidenceStore.FindByShaAsync"/>) locates them, and each is read from its record once the record is
/// verified (<see cref="IEvidenceStore.ReadVerifiedAsync"/>). A row that disagrees with its record is corruption: it is
/// logged as an alert and the deployment is not approved (chain of custody fails, saying how to investigate).</item>
/// <item><b>Evaluate</b> (pure). Waiting: send a progress comment (at most 10, each different, ≤ 1,024 characters)
/// and keep the request waiting; a later <c>deployment_review</c> decides again.</item>
/// <item><b>Evidence first</b>: a final decision is appended to the repository's hash chain and the request is marked
/// decided, pointing at the record, before GitHub hears anything. If an earlier attempt of the same delivery already
/// recorded it (a crash or a failed answer), that record is reused, never a second one written.</item>
/// <item><b>Answer</b> GitHub. A transient failure (5xx, rate limit) propagates, so the worker retries the delivery,
/// which finds the request decided and only answers; a permanent refusal (4xx) is kept on the request.</item>
/// </list>
/// Traced as a <c>finguard.evaluate</c> span (kind <c>deployment</c>); each evaluation records
/// <c>finguard.evaluation.duration</c> and <c>finguard.decisions</c> with verdict approved, rejected or waiting.
/// </summary>
public sealed partial class DeploymentGateService(
    DeploymentFactsLoader loader,
    PullRequestFactsLoader pullRequests,
    DeploymentProtectionRuleClient github,
    IEvidenceStore evidence,
    IDeploymentRequests requests,
    IDeliveryInbox inbox,
    DeploymentRequestLocks locks,
    TimeProvider time,
    FinGuard.Evidence.EvidenceModeState mode,
    FinGuardTelemetry telemetry,
    FinGuard.Storage.Pushes.IHeadPushes headPushes,
    ILogger<DeploymentGateService> logger)
{
    /// <summary>The evidence <c>source</c> of a pull request decision made for a deployment (<c>require-pr-decision: evaluate-now</c>).</summary>
    public const string EvaluateNowSource = "finguard-deployment-gate:evaluate-now";

    private const int MaxUpdateAttempts = 8;

    /// <summary>Decides <paramref name="request"/> (unless it is decided already) and answers GitHub (unless it has the answer).</summary>
    /// <param name="request">The request.</param>
    /// <param name="trigger">What causes this decision.</param>
    /// <param name="delivery">The delivery being processed, when there is one (null for the <c>FreezeWindowEdges</c> timer): the request's own payload is then read from the inbox.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public async Task ProcessAsync(DeploymentRequest request, DeploymentTrigger trigger, InboundDelivery? delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(trigger);
        using var activity = FinGuardTelemetry.StartEvaluation(FinGuardTelemetry.Kinds.Deployment, request.Repository);
        activity?.SetTag("github.deployment.environment", request.Environment);
        activity?.SetTag("github.workflow_run.id", request.RunId);
        using var held = await locks.AcquireAsync(request, cancellationToken);
        var current = await requests.GetAsync(request.Repository, request.Key, cancellationToken) ?? request;
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["Environment"] = current.Environment,
            ["RunId"] = current.RunId,
            ["DeploymentId"] = current.DeploymentId,
            ["Sha"] = current.Sha,
        });

        switch (current.State)
        {
            case DeploymentRequestState.Answered:
                LogAlreadyAnswered(current.Decision?.State);
                return;
            case DeploymentRequestState.Decided:
                await AnswerAsync(current, cancellationToken);
                return;
        }

        // An earlier attempt of this very delivery may have recorded the decision and failed before marking the request.
        if (await RecordedByThisDeliveryAsync(current, trigger, cancellationToken) is { } recorded)
        {
            LogReusingEvidence(recorded.BlobName);
            var comment = DeploymentCommentRenderer.RenderDecision(recorded.Record, recorded.BlobName);
            var decided = await MarkDecidedAsync(current, Pointer(recorded.Record, recorded.Record.Sequence, recorded.BlobName, recorded.Sha256), comment, cancellationToken);
            await AnswerAsync(decided, cancellationToken);
            return;
        }

        var started = time.GetTimestamp();
        var evaluation = await EvaluateAsync(current, trigger, delivery, cancellationToken);
        var verdict = DeploymentEvaluator.VerdictOf(evaluation.Result);
        telemetry.Decided(FinGuardTelemetry.Kinds.Deployment, time.GetElapsedTime(started), VerdictTag(verdict), conclusion: null);
        if (verdict == DeploymentVerdict.Waiting)
        {
            LogWaiting(evaluation.Result.ReasonCode);
            var waiting = await NoteWaitTimerAsync(current, evaluation, cancellationToken);
            await ProgressAsync(waiting, evaluation.Result, cancellationToken);
            return;
        }

        var record = DeploymentRecordFactory.Create(current, trigger, evaluation.Facts, evaluation.Policy, evaluation.Snapshot, evaluation.Result, evaluation.EvaluatedAt, mode.Current);
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        LogDecided(verdict, evaluation.Result.ReasonCode, receipt.BlobName, evaluation.Snapshot.IsRollback);
        var stored = record with { Sequence = receipt.Sequence, PreviousSha256 = receipt.PreviousSha256 };
        var howToFix = evaluation.Result.Controls.Where(c => c.HowToFix is not null).ToDictionary(c => c.Id, c => c.HowToFix!, StringComparer.Ordinal);
        var answer = DeploymentCommentRenderer.RenderDecision(stored, receipt.BlobName, howToFix);
        var marked = await MarkDecidedAsync(current, Pointer(stored, receipt.Sequence, receipt.BlobName, receipt.Sha256), answer, cancellationToken);
        await AnswerAsync(marked, cancellationToken);
    }

    private sealed record Evaluation(DeploymentFactSet Facts, ResolvedPolicy Policy, DeploymentSnapshot Snapshot, EvaluationResult Result, DateTimeOffset EvaluatedAt);

    private async Task<Evaluation> EvaluateAsync(DeploymentRequest request, DeploymentTrigger trigger, InboundDelivery? delivery, CancellationToken cancellationToken)
    {
        var payloadBytes = delivery is not null && delivery.DeliveryId == request.RequestDeliveryId
            ? delivery.Body
            : (await inbox.GetAsync(request.RequestDeliveryId, cancellationToken))?.Delivery.Body
                ?? throw new InvalidOperationException($"The deployment_protection_rule delivery {request.RequestDeliveryId} is no longer in the inbox.");
        JsonElement payload;
        using (var document = JsonDocument.Parse(payloadBytes))
        {
            payload = document.RootElement.Clone();
        }

        var previous = await requests.LatestApprovedAsync(request.Repository, request.Environment, cancellationToken);
        if (previous?.Key == request.Key)
        {
            previous = null;
        }

        var facts = await loader.LoadAsync(
            request.InstallationId, request.Repository, request.RunId, request.Sha, DeploymentSnapshotParser.AmbiguousRef(request.Ref), previous?.Sha, payload, cancellationToken);
        var policy = PullRequestEvaluator.ResolvePolicy(facts.OrganizationPolicy, facts.RepositoryPolicy);
        var source = policy.Policy.Deployments.For(request.Environment).RequirePullRequestDecision;
        var decisions = await PullRequestDecisionsAsync(request, trigger, facts, source, cancellationToken);
        PreviousDeployment? previousDeployment = previous is { Decision: { } d }
            ? new PreviousDeployment(
                previous.Sha,
                new EvidencePointer(d.Chain, d.Sequence, d.Sha256, d.DecidedAt),
                string.Equals(previous.Sha, request.Sha, StringComparison.OrdinalIgnoreCase) ? false : DeploymentSnapshotParser.IsAncestorOfPrevious(facts.Compare))
            : null;
        var snapshot = DeploymentSnapshotParser.Parse(facts, request.Environment, request.RunId, decisions, previousDeployment);
        var evaluatedAt = time.GetUtcNow();
        return new Evaluation(facts, policy, snapshot, DeploymentEvaluation.Evaluate(snapshot, policy, evaluatedAt), evaluatedAt);
    }

    /// <summary>
    /// FinGuard's decisions about the pull requests that can vouch for the deployed commit: those GitHub associates with
    /// it as head or merge commit, and those FinGuard has decided about at that very SHA (a head), each with its latest
    /// decision from the evidence index — or, with <see cref="PullRequestDecisionSource.EvaluateNow"/>, one made now.
    /// </summary>
    private async Task<ImmutableArray<PullRequestDecisionFact>> PullRequestDecisionsAsync(
        DeploymentRequest request, DeploymentTrigger trigger, DeploymentFactSet facts, PullRequestDecisionSource source, CancellationToken cancellationToken)
    {
        var chain = request.Repository.ToLowerInvariant();
        var verified = new Dictionary<string, DecisionsAtSha>(StringComparer.OrdinalIgnoreCase);
        var candidates = DeploymentSnapshotParser.CustodyCandidates(request.Sha, facts.CommitPullPages).ToList();
        var atSha = await DecisionsAtAsync(chain, request.Sha, verified, cancellationToken);
        foreach (var number in atSha.Records.Select(r => r.Record.Subject.PullRequest!.Value).Distinct().Where(n => !candidates.Any(c => c.Number == n)))
        {
            candidates.Add(new CustodyCandidate(number, request.Sha, CustodyMatch.Head));
        }

        // A damaged row at the deployed commit may be the very decision that would have vouched for it (or hidden one that
        // would not): with no pull request left to name, the damage is reported under the pull request the row names.
        foreach (var damaged in atSha.Problems.Where(p => p.Row.PullRequest is not null && !candidates.Any(c => c.Number == p.Row.PullRequest)))
        {
            candidates.Add(new CustodyCandidate(damaged.Row.PullRequest!.Value, request.Sha, CustodyMatch.Head));
        }

        var result = ImmutableArray.CreateBuilder<PullRequestDecisionFact>();
        foreach (var candidate in candidates)
        {
            var at = await DecisionsAtAsync(chain, candidate.HeadSha, verified, cancellationToken);
            var problems = at.Problems.Concat(atSha.Problems).Select(p => p.Problem).Distinct(StringComparer.Ordinal).ToList();
            if (problems.Count > 0)
            {
                result.Add(new PullRequestDecisionFact
                {
                    Number = candidate.Number,
                    HeadSha = candidate.HeadSha,
                    MatchedBy = candidate.MatchedBy,
                    EvidenceProblem = string.Join("; ", problems),
                });
                continue;
            }

            var latest = at.Records.Where(r => r.Record.Subject.PullRequest == candidate.Number).MaxBy(r => r.Record.Sequence);
            var fact = latest is null
                ? new PullRequestDecisionFact { Number = candidate.Number, HeadSha = candidate.HeadSha, MatchedBy = candidate.MatchedBy }
                : FromRecord(candidate, latest, evaluatedNow: false);
            if (!fact.Passed && fact.EvidenceProblem is null && source == PullRequestDecisionSource.EvaluateNow)
            {
                fact = await EvaluateNowAsync(request, trigger, candidate, cancellationToken) ?? fact;
            }

            result.Add(fact);
        }

        return result.ToImmutable();
    }

    /// <summary>A pull request decision record read back and verified.</summary>
    private sealed record VerifiedDecision(EvidenceRecord Record, EvidencePointer Pointer);

    /// <summary>An index row whose record did not verify, and why.</summary>
    private sealed record DamagedRow(EvidenceIndexEntry Row, string Problem);

    private sealed record DecisionsAtSha(IReadOnlyList<VerifiedDecision> Records, IReadOnlyList<DamagedRow> Problems);

    /// <summary>
    /// The pull request decisions recorded about <paramref name="sha"/>, each read from its verified record. Every row the
    /// index returns for the SHA is verified, not only the newest decision's: an edited row could otherwise hide a later
    /// decision (its subject type, pull request or verdict changed) without touching the one read.
    /// </summary>
    private async Task<DecisionsAtSha> DecisionsAtAsync(string chain, string sha, Dictionary<string, DecisionsAtSha> cache, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(sha, out var known))
        {
            return known;
        }

        var records = new List<VerifiedDecision>();
        var problems = new List<DamagedRow>();
        foreach (var entry in await evidence.FindByShaAsync(chain, sha, cancellationToken))
        {
            var read = await evidence.ReadVerifiedAsync(entry, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                problems.Add(new DamagedRow(entry, read.Problem!));
            }
            else if (record.Subject.Type == "pull_request" && record.Subject.PullRequest is not null)
            {
                records.Add(new VerifiedDecision(record, new EvidencePointer(record.Chain, record.Sequence, read.Sha256!, record.Timestamp)));
            }
        }

        return cache[sha] = new DecisionsAtSha(records, problems);
    }

    private static string VerdictTag(DeploymentVerdict verdict) => verdict switch
    {
        DeploymentVerdict.Approved => "approved",
        DeploymentVerdict.Rejected => "rejected",
        DeploymentVerdict.Waiting => "waiting",
        _ => verdict.ToString().ToLowerInvariant(),
    };

    private static bool IsPullRequestDecision(EvidenceIndexEntry entry) =>
        entry.SubjectType == "pull_request" && entry.PullRequest is not null;

    /// <summary>The decision in a verified pull request record, with the pull request as it saw it (who wrote the change).</summary>
    private PullRequestDecisionFact FromRecord(CustodyCandidate candidate, VerifiedDecision decision, bool evaluatedNow)
    {
        var record = decision.Record;
        var fact = new PullRequestDecisionFact
        {
            Number = candidate.Number,
            HeadSha = candidate.HeadSha,
            MatchedBy = candidate.MatchedBy,
            Verdict = record.Result.Verdict,
            ReasonCode = record.Result.ReasonCode,
            Evidence = decision.Pointer,
            EvaluatedNow = evaluatedNow,
        };
        try
        {
            var set = PullRequestFactSet.FromFacts(record.Subject.Repository, record.Facts.Select(f => new GitHubFact(f.Name, f.Request, f.Body)));
            var change = PullRequestSnapshotParser.Parse(set.Repository, set.Pull, set.CommitPages, set.ReviewPages, set.TeamMembers, set.Permissions, set.IssueEventPages, set.HeadPushes);
            return fact with { Change = change };
        }
        catch (Exception ex) when (ex is JsonException or GitHubFactsException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            LogRecordUnreadable(ex, EvidenceObjectName(record));
            return fact;
        }
    }

    private static string EvidenceObjectName(EvidenceRecord record) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{record.Chain}/{record.Sequence:D12}.json");

    /// <summary>
    /// <c>evaluate-now</c>: the pull request's controls evaluated at deployment time, recorded as a pull request decision
    /// (source <see cref="EvaluateNowSource"/>) that the deployment links to. Null when the pull request's head is no
    /// longer the commit that vouches for the deployment (its controls now are about another commit).
    /// </summary>
    private async Task<PullRequestDecisionFact?> EvaluateNowAsync(DeploymentRequest request, DeploymentTrigger trigger, CustodyCandidate candidate, CancellationToken cancellationToken)
    {
        var chain = request.Repository.ToLowerInvariant();
        foreach (var row in (await evidence.FindByShaAsync(chain, candidate.HeadSha, cancellationToken))
            .Where(e => IsPullRequestDecision(e) && e.PullRequest == candidate.Number && e.DeliveryId == trigger.DeliveryId))
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is not { } earlier)
            {
                LogEvidenceCorrupt(read.Problem!);
                return new PullRequestDecisionFact { Number = candidate.Number, HeadSha = candidate.HeadSha, MatchedBy = candidate.MatchedBy, EvidenceProblem = read.Problem };
            }

            return FromRecord(candidate, new VerifiedDecision(earlier, new EvidencePointer(earlier.Chain, earlier.Sequence, read.Sha256!, earlier.Timestamp)), evaluatedNow: true);
        }

        var started = time.GetTimestamp();
        var facts = await pullRequests.LoadAsync(request.InstallationId, request.Repository, candidate.Number, cancellationToken);
        facts = await HeadPushRecorder.AddAsync(headPushes, facts, cancellationToken);
        var evaluatedAt = time.GetUtcNow();
        var decision = PullRequestEvaluator.Evaluate(facts, evaluatedAt);
        var elapsed = time.GetElapsedTime(started);
        if (!string.Equals(decision.Snapshot.HeadSha, candidate.HeadSha, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var prTrigger = new PullRequestTrigger(request.InstallationId, request.Repository, request.RepositoryId, candidate.Number, trigger.DeliveryId, trigger.Event, trigger.Action, trigger.Actor, EvaluateNowSource);
        var record = EvidenceRecordFactory.ForPullRequest(prTrigger, facts, decision, evaluatedAt, mode.Current);
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        LogEvaluatedNow(candidate.Number, record.Result.Verdict, receipt.BlobName);
        telemetry.Decided(FinGuardTelemetry.Kinds.PullRequest, elapsed, record.Result.Verdict, record.Result.Conclusion);
        return new PullRequestDecisionFact
        {
            Number = candidate.Number,
            HeadSha = candidate.HeadSha,
            MatchedBy = candidate.MatchedBy,
            Verdict = record.Result.Verdict,
            ReasonCode = record.Result.ReasonCode,
            Evidence = new EvidencePointer(receipt.Chain, receipt.Sequence, receipt.Sha256, evaluatedAt),
            EvaluatedNow = true,
            Change = decision.Snapshot,
        };
    }

    private sealed record RecordedDecision(EvidenceRecord Record, string BlobName, string Sha256);

    private async Task<RecordedDecision?> RecordedByThisDeliveryAsync(DeploymentRequest request, DeploymentTrigger trigger, CancellationToken cancellationToken)
    {
        var chain = request.Repository.ToLowerInvariant();
        await evidence.RecoverAsync(chain, cancellationToken); // a crash may have left this delivery's record unindexed
        foreach (var entry in (await evidence.FindByShaAsync(chain, request.Sha, cancellationToken))
            .Where(e => e.SubjectType == DeploymentRecordFactory.SubjectType && e.DeliveryId == trigger.DeliveryId))
        {
            // Reused only when the record itself says so; a damaged row is not, and the new decision meets the damage again.
            var read = await evidence.ReadVerifiedAsync(entry, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                continue;
            }

            if (record is { Deployment: { } deployment }
                && record.Subject.Id == DeploymentRecordFactory.SubjectId(request)
                && deployment.RunId == request.RunId)
            {
                return new RecordedDecision(record, entry.BlobName, read.Sha256!);
            }
        }

        return null;
    }

    private static DeploymentDecisionPointer Pointer(EvidenceRecord record, long sequence, string blobName, string sha256) =>
        new(record.Deployment!.State, record.Chain, sequence, blobName, sha256, record.DeliveryId, record.Timestamp);

    private async Task<DeploymentRequest> MarkDecidedAsync(DeploymentRequest request, DeploymentDecisionPointer decision, string comment, CancellationToken cancellationToken)
    {
        var current = request;
        for (var attempt = 1; ; attempt++)
        {
            var stored = await requests.TryUpdateAsync(current with { State = DeploymentRequestState.Decided, Decision = decision, AnswerComment = comment }, cancellationToken);
            if (stored is not null)
            {
                return stored;
            }

            var fresh = await requests.GetAsync(current.Repository, current.Key, cancellationToken)
                ?? throw new InvalidOperationException($"The deployment request {current.Repository} {current.Key} disappeared.");
            if (fresh.State != DeploymentRequestState.Waiting)
            {
                // Another instance decided first: its decision stands, and this record is an extra one (logged).
                LogRaced(decision.BlobName, fresh.Decision?.BlobName);
                return fresh;
            }

            if (attempt >= MaxUpdateAttempts)
            {
                throw new InvalidOperationException($"The deployment request {current.Repository} {current.Key} kept changing; will retry.");
            }

            current = fresh;
        }
    }

    private async Task AnswerAsync(DeploymentRequest request, CancellationToken cancellationToken)
    {
        var decision = request.Decision ?? throw new InvalidOperationException("A decided deployment request has no decision.");
        var comment = request.AnswerComment ?? $"FinGuard {decision.State} this deployment. Evidence: `{decision.BlobName}`.";
        string? error = null;
        try
        {
            await github.ReviewAsync(request.InstallationId, request.Repository, request.RunId, request.Environment, decision.State, comment, cancellationToken);
            LogAnswered(decision.State, decision.BlobName);
        }
        catch (GitHubApiException ex) when (!ex.IsTransient)
        {
            // GitHub will not take it (the run was cancelled, re-run, or timed out): keep the refusal, do not retry.
            error = ex.Message;
            LogAnswerRefused(ex, decision.State);
        }

        var current = request;
        for (var attempt = 1; attempt <= MaxUpdateAttempts; attempt++)
        {
            if (await requests.TryUpdateAsync(current with { State = DeploymentRequestState.Answered, AnswerError = error }, cancellationToken) is not null)
            {
                return;
            }

            current = await requests.GetAsync(current.Repository, current.Key, cancellationToken) ?? current;
            if (current.State == DeploymentRequestState.Answered)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Keeps on the request when its wait timer ends (null once it has: a request waiting for something else is then
    /// decided again by that something, not every minute by the timer job).
    /// </summary>
    private async Task<DeploymentRequest> NoteWaitTimerAsync(DeploymentRequest request, Evaluation evaluation, CancellationToken cancellationToken)
    {
        var due = WaitTimerControl.Due(evaluation.Snapshot, evaluation.Policy.Policy.Deployments.For(request.Environment));
        var until = due > evaluation.EvaluatedAt ? due : null;
        var current = request;
        for (var attempt = 1; attempt <= MaxUpdateAttempts && current.WaitUntil != until; attempt++)
        {
            if (await requests.TryUpdateAsync(current with { WaitUntil = until }, cancellationToken) is { } stored)
            {
                return stored;
            }

            current = await requests.GetAsync(current.Repository, current.Key, cancellationToken) ?? current;
            if (current.State != DeploymentRequestState.Waiting)
            {
                return current;
            }
        }

        if (current.WaitUntil != until)
        {
            throw new InvalidOperationException($"The deployment request {current.Repository} {current.Key} kept changing; will retry.");
        }

        return current;
    }

    private async Task ProgressAsync(DeploymentRequest request, EvaluationResult result, CancellationToken cancellationToken)
    {
        var comment = DeploymentCommentRenderer.RenderProgress(result, request.Environment);
        var hash = CanonicalJson.Sha256Hex(Encoding.UTF8.GetBytes(comment));
        if (request.ProgressComments >= DeploymentProtectionRuleClient.MaxProgressComments || hash == request.LastProgressSha256)
        {
            return;
        }

        try
        {
            await github.CommentAsync(request.InstallationId, request.Repository, request.RunId, request.Environment, comment, cancellationToken);
        }
        catch (GitHubApiException ex)
        {
            // A progress note is a courtesy; the decision does not depend on it.
            LogProgressFailed(ex);
            return;
        }

        await requests.TryUpdateAsync(request with { ProgressComments = request.ProgressComments + 1, LastProgressSha256 = hash }, cancellationToken);
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Deployment {Verdict} ({ReasonCode}); evidence {BlobName}; rollback: {Rollback}")]
    private partial void LogDecided(DeploymentVerdict verdict, string reasonCode, string blobName, bool rollback);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Deployment waiting ({ReasonCode})")]
    private partial void LogWaiting(string reasonCode);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Answered GitHub: {State}; evidence {BlobName}")]
    private partial void LogAnswered(string state, string blobName);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "GitHub refused the deployment answer ({State}); the decision stays recorded and is not sent again")]
    private partial void LogAnswerRefused(Exception exception, string state);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Evidence {BlobName} already records this delivery's decision; answering with it instead of deciding twice")]
    private partial void LogReusingEvidence(string blobName);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Debug, Message = "The deployment request is already answered ({State}); nothing to do")]
    private partial void LogAlreadyAnswered(string? state);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Another worker decided this deployment first (its evidence {Winner}); evidence {BlobName} is an extra record and is not sent")]
    private partial void LogRaced(string blobName, string? winner);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Warning, Message = "Could not send a progress comment; the deployment keeps waiting")]
    private partial void LogProgressFailed(Exception exception);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Critical, Message = "ALERT evidence corruption: {Problem}. Nothing is decided from it; run 'finguard evidence verify --live' and investigate who changed the evidence store")]
    private partial void LogEvidenceCorrupt(string problem);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Warning, Message = "The pull request decision {BlobName} cannot be read for its contributors")]
    private partial void LogRecordUnreadable(Exception exception, string blobName);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "Evaluated pull request #{Number} at deployment time: {Verdict}; evidence {BlobName}")]
    private partial void LogEvaluatedNow(int number, string verdict, string blobName);
}
