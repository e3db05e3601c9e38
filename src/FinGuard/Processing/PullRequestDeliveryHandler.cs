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
/// <item><c>check_suite</c> rerequested ("Re-run all checks").</item>
/// </list>
/// Anything else is completed without work.
/// </summary>
public static class PullRequestTriggers
{
    public static readonly IReadOnlyCollection<string> Events = [WebhookEvents.PullRequest, WebhookEvents.PullRequestReview, WebhookEvents.CheckRun, WebhookEvents.CheckSuite];

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

    private static bool BaseChanged(PullRequestPayload payload) =>
        payload.ExtensionData is { } extra && extra.TryGetValue("changes", out var changes)
        && changes.ValueKind == JsonValueKind.Object && changes.TryGetProperty("base", out _);
}

/// <summary>Evaluates every pull request a triggering delivery names.</summary>
public sealed partial class PullRequestDeliveryHandler(PullRequestEvaluationService evaluation, ILogger<PullRequestDeliveryHandler> logger) : IDeliveryHandler
{
    public IReadOnlyCollection<string> Events => PullRequestTriggers.Events;

    public async Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parsed = WebhookPayloadParser.Parse(delivery.Event, delivery.Body.Span);
        if (!parsed.IsParsed)
        {
            throw new JsonException($"The {delivery.Event} payload cannot be read: {parsed.Error}");
        }

        var payload = parsed.Payload;
        var numbers = PullRequestTriggers.PullRequestsToEvaluate(payload);
        if (numbers.Count == 0)
        {
            LogSkipped(delivery.Event, delivery.Action);
            return;
        }

        if (payload.Installation is null || payload.Repository is null)
        {
            throw new JsonException($"The {delivery.Event} payload has no installation or repository; FinGuard only evaluates deliveries sent to an App installation.");
        }

        var actor = payload.Sender is { } sender
            ? new EvidenceActor(sender.Type == "Bot" ? "bot" : "user", sender.Id, sender.Login)
            : new EvidenceActor("unknown", null, null);
        foreach (var number in numbers)
        {
            var trigger = new PullRequestTrigger(payload.Installation.Id, payload.Repository.FullName, payload.Repository.Id, number, delivery.DeliveryId, delivery.Event, delivery.Action, actor);
            await evaluation.EvaluateAsync(trigger, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "{Event}.{Action} cannot change a pull request decision; nothing to evaluate")]
    private partial void LogSkipped(string @event, string? action);
}
