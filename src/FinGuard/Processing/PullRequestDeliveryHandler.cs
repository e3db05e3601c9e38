using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.Processing;

/// <summary>
/// Which deliveries can change a pull request decision (policy-bot's triggers), and for which pull requests:
/// <list type="bullet">
/// <item><c>pull_request</c> opened, synchronize, reopened, ready_for_review, labeled and unlabeled (the freeze window's
/// break-glass label), and edited when the base branch changed;</item>
/// <item><c>pull_request_review</c> submitted, edited, dismissed;</item>
/// <item><c>check_run</c> rerequested, and requested_action for the "Re-run FinGuard" button;</item>
/// <item><c>check_suite</c> rerequested ("Re-run all checks");</item>
/// <item><c>check_run</c> completed (another app's check: a required scan may have finished) and <c>workflow_run</c>
/// completed (a scan's artifact may have been uploaded) — these are <see cref="ScanSignal"/>s, evaluated only when the
/// base branch's policy names that check or workflow.</item>
/// </list>
/// Anything else is completed without work.
/// </summary>
public static class PullRequestTriggers
{
    public static readonly IReadOnlyCollection<string> Events =
        [WebhookEvents.PullRequest, WebhookEvents.PullRequestReview, WebhookEvents.CheckRun, WebhookEvents.CheckSuite, WebhookEvents.WorkflowRun];

    private static readonly HashSet<string> PullRequestActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened", "ready_for_review", "labeled", "unlabeled" };
    private static readonly HashSet<string> ReviewActions = new(StringComparer.Ordinal) { "submitted", "edited", "dismissed" };

    /// <summary>The pull request numbers this payload asks FinGuard to evaluate (empty: nothing to do).</summary>
    public static IReadOnlyList<int> PullRequestsToEvaluate(WebhookPayload payload) => payload switch
    {
        PullRequestPayload pr when pr.Action is { } a && (PullRequestActions.Contains(a) || (a == "edited" && BaseChanged(pr))) => [pr.Number],
        PullRequestReviewPayload review when review.Action is { } a && ReviewActions.Contains(a) => [review.PullRequest.Number],
        CheckRunPayload run when run.Action == "rerequested"
            || (run.Action == "requested_action" && run.RequestedAction?.Identifier == CheckRunPublisher.RerunActionIdentifier)
            => [.. (run.CheckRun.PullRequests ?? []).Select(p => p.Number).Distinct()],
        CheckSuitePayload suite when suite.Action == "rerequested" => [.. (suite.CheckSuite.PullRequests ?? []).Select(p => p.Number).Distinct()],
        _ => [],
    };

    /// <summary>
    /// For a finished check run or workflow run: which scan source finished, and the base branch of each pull request
    /// it belongs to; null for any other delivery. FinGuard's own check runs are never a signal (that would loop).
    /// </summary>
    public static IReadOnlyList<ScanSignal>? ScanSignals(WebhookPayload payload) => payload switch
    {
        CheckRunPayload { Action: "completed" } run when !CheckRunPublisher.IsFinGuardRun(run.CheckRun.ExternalId) =>
            [.. (run.CheckRun.PullRequests ?? []).Select(p => new ScanSignal(p.Number, p.Base.Ref, run.CheckRun.Name, run.CheckRun.App?.Slug, null))],
        WorkflowRunPayload { Action: "completed" } workflow =>
            [.. (workflow.WorkflowRun.PullRequests ?? []).Select(p => new ScanSignal(p.Number, p.Base.Ref, null, null, workflow.WorkflowRun.Name ?? workflow.Workflow?.Name))],
        _ => null,
    };

    /// <summary>The head SHA of pull request <paramref name="number"/> as the payload names it, or null.</summary>
    public static string? HeadShaOf(WebhookPayload payload, int number) => payload switch
    {
        PullRequestPayload pr => pr.PullRequest.Head.Sha,
        PullRequestReviewPayload review => review.PullRequest.Head.Sha,
        CheckRunPayload run => run.CheckRun.PullRequests?.FirstOrDefault(p => p.Number == number)?.Head.Sha,
        CheckSuitePayload suite => suite.CheckSuite.PullRequests?.FirstOrDefault(p => p.Number == number)?.Head.Sha,
        WorkflowRunPayload workflow => workflow.WorkflowRun.PullRequests?.FirstOrDefault(p => p.Number == number)?.Head.Sha,
        _ => null,
    };

    /// <summary>Whether the policy's <c>scan-status</c> reads what <paramref name="signal"/> says finished.</summary>
    public static bool IsRelevant(ScanSignal signal, Core.Scans.ScanStatusPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.Enabled)
        {
            return false;
        }

        return signal.CheckName is { } check
            ? policy.RequiredChecks.Any(c => c.Name == check && (c.App is null || string.Equals(c.App, signal.AppSlug, StringComparison.OrdinalIgnoreCase)))
            : policy.Artifacts.Any(a => a.Workflow is null || a.Workflow == signal.WorkflowName);
    }

    private static bool BaseChanged(PullRequestPayload payload) =>
        payload.ExtensionData is { } extra && extra.TryGetValue("changes", out var changes)
        && changes.ValueKind == JsonValueKind.Object && changes.TryGetProperty("base", out _);
}

/// <summary>A scan source finished for pull request <paramref name="Number"/> (base branch <paramref name="BaseRef"/>): a check run by name and app, or a workflow run by name.</summary>
public sealed record ScanSignal(int Number, string BaseRef, string? CheckName, string? AppSlug, string? WorkflowName);

/// <summary>Evaluates every pull request a triggering delivery names.</summary>
public sealed partial class PullRequestDeliveryHandler(
    PullRequestEvaluationService evaluation,
    GitHub.Snapshots.PullRequestFactsLoader loader,
    Storage.Pushes.IHeadPushes headPushes,
    ILogger<PullRequestDeliveryHandler> logger) : IDeliveryHandler
{
    public IReadOnlyCollection<string> Events => PullRequestTriggers.Events;

    public async Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parsed = WebhookPayloadParser.ParseForHandling(delivery.Event, delivery.Body.Span);
        if (!parsed.IsParsed)
        {
            throw new JsonException($"The {delivery.Event} payload cannot be read: {parsed.Error}");
        }

        var payload = parsed.Payload;
        var numbers = PullRequestTriggers.PullRequestsToEvaluate(payload);
        var signals = PullRequestTriggers.ScanSignals(payload) ?? [];
        if (numbers.Count == 0 && signals.Count == 0)
        {
            LogSkipped(delivery.Event, delivery.Action);
            return;
        }

        if (payload.Installation is null || payload.Repository is null)
        {
            throw new JsonException($"The {delivery.Event} payload has no installation or repository; FinGuard only evaluates deliveries sent to an App installation.");
        }

        if (signals.Count > 0)
        {
            numbers = await RelevantAsync(payload.Installation.Id, payload.Repository.FullName, signals, cancellationToken);
            if (numbers.Count == 0)
            {
                LogNotAScanSource(delivery.Event, payload.Repository.FullName);
                return;
            }
        }

        // Who set the head, before any evaluation reads it (a review evaluated later finds it by head SHA).
        await HeadPushRecorder.RecordAsync(headPushes, delivery, cancellationToken);

        var actor = payload.Sender is { } sender
            ? new EvidenceActor(sender.Type == "Bot" ? "bot" : "user", sender.Id, sender.Login)
            : new EvidenceActor("unknown", null, null);
        var deliveredPull = payload is PullRequestPayload ? DeliveredPullOf(delivery) : null;
        foreach (var number in numbers)
        {
            var trigger = new PullRequestTrigger(payload.Installation.Id, payload.Repository.FullName, payload.Repository.Id, number, delivery.DeliveryId, delivery.Event, delivery.Action, actor)
            {
                HeadSha = PullRequestTriggers.HeadShaOf(payload, number),
                Pull = deliveredPull,
            };
            await evaluation.EvaluateAsync(trigger, cancellationToken);
        }
    }

    /// <summary>The <c>pull_request</c> object of a <c>pull_request</c> delivery, exactly as delivered.</summary>
    private static JsonElement? DeliveredPullOf(InboundDelivery delivery)
    {
        using var document = JsonDocument.Parse(delivery.Body);
        return document.RootElement.TryGetProperty("pull_request", out var pull) && pull.ValueKind == JsonValueKind.Object ? pull.Clone() : null;
    }

    /// <summary>
    /// The pull requests whose base branch's policy reads the finished scan source. Reading the policy costs two
    /// requests; evaluating a pull request for every unrelated CI check would cost ten.
    /// </summary>
    private async Task<IReadOnlyList<int>> RelevantAsync(long installationId, string repository, IReadOnlyList<ScanSignal> signals, CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        foreach (var byBase in signals.GroupBy(s => s.BaseRef, StringComparer.Ordinal))
        {
            var (organization, repositoryPolicy) = await loader.LoadPolicyFilesAsync(installationId, repository, byBase.Key, cancellationToken);
            var policy = GitHub.Evaluation.PullRequestEvaluator.ResolvePolicy(organization, repositoryPolicy).Policy;
            numbers.AddRange(byBase.Where(s => PullRequestTriggers.IsRelevant(s, policy.ScanStatus)).Select(s => s.Number));
        }

        return [.. numbers.Distinct()];
    }

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "{Event} finished a check or workflow that the scan-status policy of {Repository} does not read; nothing to evaluate")]
    private partial void LogNotAScanSource(string @event, string repository);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "{Event}.{Action} cannot change a pull request decision; nothing to evaluate")]
    private partial void LogSkipped(string @event, string? action);
}
