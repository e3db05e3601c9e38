using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;

namespace FinGuard.Webhooks;

/// <summary>
/// A signed delivery that reuses a stored <c>X-GitHub-Delivery</c> id with a different body (log event 1011) is also an
/// <c>exception.recorded</c> evidence record in the repository's chain, so it appears in the audit population: GitHub
/// never does this, so it is a replay by someone holding the webhook secret, or a bug. The record holds the SHA-256 of
/// both bodies, not the bodies (the second one was not processed and need not be kept). A delivery that names no
/// repository has no chain; only the log and the metric show it.
/// </summary>
public sealed partial class DeliveryReuseRecorder(IEvidenceStore evidence, IDeliveryInbox inbox, TimeProvider time, Evidence.EvidenceModeState mode, ILogger<DeliveryReuseRecorder> logger)
{
    public const string SubjectType = "delivery";

    /// <summary>Records the reuse; a storage failure is logged (the alert and the metric were already raised) and does not fail the request.</summary>
    public async Task RecordAsync(InboundDelivery second, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(second);
        if (second.Repository is not { } repository || !repository.Contains('/', StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var first = await inbox.GetAsync(second.DeliveryId, cancellationToken);
            var firstSha = first is null ? null : CanonicalJson.Sha256Hex(first.Delivery.Body.Span);
            var secondSha = CanonicalJson.Sha256Hex(second.Body.Span);
            var now = time.GetUtcNow();
            var fact = new JsonObject
            {
                ["deliveryId"] = second.DeliveryId,
                ["event"] = second.Event,
                ["firstEvent"] = first?.Delivery.Event,
                ["firstBodySha256"] = firstSha,
                ["firstReceivedAt"] = first?.Delivery.ReceivedAt,
                ["bodySha256"] = secondSha,
                ["receivedAt"] = second.ReceivedAt,
            };
            var record = new EvidenceRecord
            {
                EventId = Guid.CreateVersion7(now).ToString(),
                Chain = repository.ToLowerInvariant(),
                Timestamp = now,
                FinGuardVersion = Hosting.FinGuardApp.Version,
                Mode = mode.Current,
                Action = Processing.ChangeObservationService.ExceptionAction,
                Source = $"github-webhook:{second.Event}{(second.Action is null ? "" : "." + second.Action)}",
                DeliveryId = second.DeliveryId,
                Actor = new EvidenceActor("unknown", null, null),
                Subject = new EvidenceSubject
                {
                    Type = SubjectType,
                    Id = second.DeliveryId,
                    Repository = repository,
                    InstallationId = second.InstallationId,
                    HeadSha = secondSha,
                },
                Facts = [EvidenceFact.Canonical("delivery-reuse", $"webhook {second.Event} delivery {second.DeliveryId} (signed, body differs from the stored one)", JsonSerializer.SerializeToElement(fact))],
                Policy = new EvidencePolicy("none", [], JsonSerializer.SerializeToElement(new JsonObject())),
                Result = new EvidenceResult("recorded", "neutral", $"exception:{EvidenceExceptionRecord.DeliveryIdReused}", $"Exception: {EvidenceExceptionRecord.DeliveryIdReused}", []),
                Exception = new EvidenceExceptionRecord
                {
                    Type = EvidenceExceptionRecord.DeliveryIdReused,
                    Reason = $"A delivery signed with the webhook secret reused the id {second.DeliveryId} of a stored {first?.Delivery.Event ?? "delivery"} with a different body; the first body was kept and this one was not processed. GitHub never does this: rotate the webhook secret and find who holds it (docs/operations.md).",
                },
            };
            await evidence.AppendAsync(record, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRecordFailed(ex, second.DeliveryId);
        }
    }

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Delivery {DeliveryId} reused a delivery id (event 1011) and its exception record could not be written")]
    private partial void LogRecordFailed(Exception exception, string deliveryId);
}
