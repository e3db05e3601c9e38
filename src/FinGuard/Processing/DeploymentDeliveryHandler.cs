using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Webhooks;
using FinGuard.Storage.Deployments;
using Microsoft.Extensions.Options;

namespace FinGuard.Processing;

/// <summary>
/// The deployment gate's deliveries:
/// <list type="bullet">
/// <item><c>deployment_protection_rule</c> <c>requested</c>: check the callback URL (refused and logged unless it is
/// the configured GitHub API's own <c>…/actions/runs/{run_id}/deployment_protection_rule</c> for this repository, so no
/// request is ever sent elsewhere), store the request durably, then decide it (<see cref="DeploymentGateService"/>).</item>
/// <item><c>deployment_review</c> <c>approved</c> or <c>rejected</c>: an environment review arrived; every stored request
/// of that workflow run and environment that is not answered yet is decided again.</item>
/// <item><c>check_run</c> and <c>workflow_run</c> <c>completed</c> (another app's check, a scan workflow): a scan of a
/// commit may have finished; every waiting request for that commit is decided again (the <c>scan-status</c> control).</item>
/// </list>
/// The webhook itself was answered with 202 on arrival; all of this runs in the worker, and GitHub waits (up to 30 days).
/// </summary>
public sealed partial class DeploymentDeliveryHandler(
    DeploymentGateService gate,
    IDeploymentRequests requests,
    IOptions<GitHubAppOptions> options,
    TimeProvider time,
    ILogger<DeploymentDeliveryHandler> logger) : IDeliveryHandler
{
    public IReadOnlyCollection<string> Events { get; } =
        [WebhookEvents.DeploymentProtectionRule, WebhookEvents.DeploymentReview, WebhookEvents.CheckRun, WebhookEvents.WorkflowRun];

    public async Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parsed = WebhookPayloadParser.ParseForHandling(delivery.Event, delivery.Body.Span);
        if (!parsed.IsParsed)
        {
            throw new JsonException($"The {delivery.Event} payload cannot be read: {parsed.Error}");
        }

        switch (parsed.Payload)
        {
            case DeploymentProtectionRulePayload { Action: "requested" } requested:
                await RequestedAsync(delivery, requested, cancellationToken);
                break;
            case DeploymentReviewPayload { Action: "approved" or "rejected" } reviewed:
                await ReviewedAsync(delivery, reviewed, cancellationToken);
                break;
            case CheckRunPayload { Action: "completed" } check when !GitHub.Checks.CheckRunPublisher.IsFinGuardRun(check.CheckRun.ExternalId):
                await ScanCompletedAsync(delivery, check, check.CheckRun.HeadSha, cancellationToken);
                break;
            case WorkflowRunPayload { Action: "completed" } workflow:
                await ScanCompletedAsync(delivery, workflow, workflow.WorkflowRun.HeadSha, cancellationToken);
                break;
            default:
                LogSkipped(delivery.Event, delivery.Action);
                break;
        }
    }

    private async Task RequestedAsync(InboundDelivery delivery, DeploymentProtectionRulePayload payload, CancellationToken cancellationToken)
    {
        if (payload.Installation is not { } installation || payload.Repository is not { } repository || string.IsNullOrEmpty(payload.Environment))
        {
            LogUnanswerable("the payload has no installation, repository or environment");
            return;
        }

        var runId = DeploymentCallback.Validate(payload.DeploymentCallbackUrl, options.Value.GetApiBaseAddress(), repository.FullName, out var refusal);
        if (runId is null)
        {
            // Never follow a callback URL FinGuard did not build itself: no request is sent, the deployment is left to time out.
            LogCallbackRefused(repository.FullName, DeploymentCallback.Origin(payload.DeploymentCallbackUrl), refusal ?? "refused");
            return;
        }

        var sha = payload.Deployment?.Sha ?? TopLevel(payload, "sha");
        if (string.IsNullOrEmpty(sha))
        {
            LogUnanswerable("the payload names no deployed commit");
            return;
        }

        var request = new DeploymentRequest
        {
            Repository = repository.FullName,
            Environment = payload.Environment,
            RunId = runId.Value,
            DeploymentId = payload.Deployment?.Id,
            InstallationId = installation.Id,
            RepositoryId = repository.Id,
            Sha = sha,
            Ref = payload.Deployment?.Ref ?? TopLevel(payload, "ref"),
            RequestDeliveryId = delivery.DeliveryId,
            RequestedAt = time.GetUtcNow(),
        };
        var (stored, created) = await requests.GetOrCreateAsync(request, cancellationToken);
        LogRequested(repository.FullName, payload.Environment, runId.Value, created);
        await gate.ProcessAsync(stored, Trigger(delivery, payload.Sender), delivery, cancellationToken);
    }

    private async Task ReviewedAsync(InboundDelivery delivery, DeploymentReviewPayload payload, CancellationToken cancellationToken)
    {
        if (payload.Repository is not { } repository || payload.WorkflowRun is not { } run)
        {
            LogSkipped(delivery.Event, delivery.Action);
            return;
        }

        var environments = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (payload.Environment is { Length: > 0 } environment)
        {
            environments.Add(environment);
        }

        foreach (var job in payload.WorkflowJobRuns ?? [])
        {
            if (job.Environment is { Length: > 0 } name)
            {
                environments.Add(name);
            }
        }

        var waiting = (await requests.ListByRunAsync(repository.FullName, run.Id, cancellationToken))
            .Where(r => r.State != DeploymentRequestState.Answered && (environments.Count == 0 || environments.Contains(r.Environment)))
            .ToList();
        LogReviewed(repository.FullName, run.Id, waiting.Count);
        var trigger = Trigger(delivery, payload.Sender);
        foreach (var request in waiting)
        {
            await gate.ProcessAsync(request, trigger, delivery, cancellationToken);
        }
    }

    /// <summary>A check or workflow finished on <paramref name="sha"/>: decide again every waiting deployment of that commit.</summary>
    private async Task ScanCompletedAsync(InboundDelivery delivery, WebhookPayload payload, string sha, CancellationToken cancellationToken)
    {
        if (payload.Repository is not { } repository)
        {
            return;
        }

        // Every completed CI check arrives here: ask only this repository's partition, not the whole store.
        var waiting = (await requests.ListOpenAsync(repository.FullName, cancellationToken))
            .Where(r => r.State == DeploymentRequestState.Waiting && string.Equals(r.Sha, sha, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (waiting.Count == 0)
        {
            LogSkipped(delivery.Event, delivery.Action);
            return;
        }

        LogScanCompleted(repository.FullName, sha, waiting.Count);
        var trigger = Trigger(delivery, payload.Sender);
        foreach (var request in waiting)
        {
            await gate.ProcessAsync(request, trigger, delivery, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3226, Level = LogLevel.Information, Message = "A check or workflow completed on {Repository}@{Sha}: {Count} waiting deployment request(s) to decide again")]
    private partial void LogScanCompleted(string repository, string sha, int count);

    private static DeploymentTrigger Trigger(InboundDelivery delivery, WebhookUser? sender) => new(
        delivery.DeliveryId,
        delivery.Event,
        delivery.Action,
        sender is { } s ? new EvidenceActor(s.Type == "Bot" ? "bot" : "user", s.Id, s.Login) : new EvidenceActor("unknown", null, null));

    /// <summary>A top-level string GitHub added to the payload (<c>sha</c>, <c>ref</c> in newer deliveries), kept in the extension data.</summary>
    private static string? TopLevel(DeploymentProtectionRulePayload payload, string name) =>
        payload.ExtensionData is { } extra && extra.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [LoggerMessage(EventId = 3221, Level = LogLevel.Warning, Message = "Refused the deployment callback of {Repository} at {Callback}: {Reason}. No request was sent; the deployment is left waiting")]
    private partial void LogCallbackRefused(string repository, string callback, string reason);

    [LoggerMessage(EventId = 3222, Level = LogLevel.Warning, Message = "Cannot answer this deployment protection rule: {Reason}")]
    private partial void LogUnanswerable(string reason);

    [LoggerMessage(EventId = 3223, Level = LogLevel.Information, Message = "Deployment of {Repository} to {Environment} (run {RunId}) requested; new request: {Created}")]
    private partial void LogRequested(string repository, string environment, long runId, bool created);

    [LoggerMessage(EventId = 3224, Level = LogLevel.Information, Message = "Environment review for {Repository} run {RunId}: {Count} waiting request(s) to decide again")]
    private partial void LogReviewed(string repository, long runId, int count);

    [LoggerMessage(EventId = 3225, Level = LogLevel.Debug, Message = "{Event}.{Action} does not change a deployment decision; nothing to do")]
    private partial void LogSkipped(string @event, string? action);
}
