using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Webhooks;
using Microsoft.Extensions.Options;

namespace FinGuard.Processing;

/// <summary>
/// <c>pull_request</c> closed and merged, <c>push</c> and <c>deployment_status</c> deliveries: what reached a covered
/// branch or environment (<see cref="ChangeObservationService"/>). Every other action completes without work here.
/// </summary>
public sealed class ChangeDeliveryHandler(ChangeObservationService service) : IDeliveryHandler
{
    public IReadOnlyCollection<string> Events { get; } = [WebhookEvents.PullRequest, WebhookEvents.Push, WebhookEvents.DeploymentStatus];

    public async Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.Event == WebhookEvents.PullRequest && delivery.Action != "closed")
        {
            return; // the pull request handler's; parsing it twice would cost the common case
        }

        var parsed = WebhookPayloadParser.ParseForHandling(delivery.Event, delivery.Body.Span);
        if (!parsed.IsParsed)
        {
            throw new JsonException($"The {delivery.Event} payload cannot be read: {parsed.Error}");
        }

        switch (parsed.Payload)
        {
            case PullRequestPayload { Action: "closed", PullRequest.Merged: true } merged:
                await service.ObserveMergeAsync(merged, delivery, cancellationToken);
                break;
            case PushPayload push:
                await service.ObservePushAsync(push, delivery, cancellationToken);
                break;
            case DeploymentStatusPayload status:
                await service.ObserveDeploymentAsync(status, delivery, cancellationToken);
                break;
        }
    }
}

/// <summary>Where an exception record is shown the day it happens, besides the evidence.</summary>
public sealed class ExceptionSurfacingOptions
{
    public const string SectionName = "Exceptions";

    /// <summary>
    /// <c>check-run</c> (default): a completed <c>FinGuard exception</c> check run (conclusion <c>neutral</c>) on the
    /// commit, naming the exception, its reason and its evidence record. <c>none</c>: only the evidence and the log.
    /// </summary>
    public string Surface { get; set; } = CheckRun;

    public const string CheckRun = "check-run";
    public const string None = "none";
}

/// <summary>Shows an exception record on GitHub as configured (<see cref="ExceptionSurfacingOptions"/>).</summary>
public sealed partial class ExceptionSurfacing(GitHubApiClient api, IOptionsMonitor<ExceptionSurfacingOptions> options, ILogger<ExceptionSurfacing> logger)
{
    public const string CheckName = "FinGuard exception";

    /// <summary>
    /// Publishes the check run for <paramref name="record"/>. The evidence is already durable, so a GitHub failure here is
    /// logged (the exception is in the evidence and the population report) rather than failing the delivery again.
    /// </summary>
    public async Task SurfaceAsync(long installationId, string repository, EvidenceRecord record, EvidenceReceipt receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(receipt);
        if (record.Exception is not { } exception || !string.Equals(options.CurrentValue.Surface, ExceptionSurfacingOptions.CheckRun, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var body = new JsonObject
        {
            ["name"] = CheckName,
            ["head_sha"] = record.Subject.HeadSha,
            ["external_id"] = $"finguard:exception:{record.EventId}",
            ["status"] = "completed",
            ["conclusion"] = "neutral",
            ["completed_at"] = record.Timestamp.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["output"] = new JsonObject
            {
                ["title"] = $"Exception: {exception.Type}",
                ["summary"] = $"{exception.Reason}\n\nEvidence: `{receipt.BlobName}` (chain `{receipt.Chain}`, sequence {receipt.Sequence.ToString(CultureInfo.InvariantCulture)}, SHA-256 `{receipt.Sha256}`). It appears in `finguard evidence population`'s exceptions.csv.",
            },
        };
        try
        {
            await api.SendJsonAsync(HttpMethod.Post, installationId, $"repos/{repository}/check-runs", body, cancellationToken);
        }
        catch (GitHubApiException ex)
        {
            LogSurfaceFailed(ex, exception.Type, repository, receipt.BlobName);
        }
    }

    [LoggerMessage(EventId = 3506, Level = LogLevel.Error, Message = "Exception {Type} in {Repository} is recorded ({BlobName}) but its check run could not be published")]
    private partial void LogSurfaceFailed(Exception exception, string type, string repository, string blobName);
}
