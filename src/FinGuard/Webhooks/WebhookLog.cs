namespace FinGuard.Webhooks;

internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Rejected a webhook delivery: no webhook secret is configured (GitHub:WebhookSecret)")]
    public static partial void RejectedNoSecret(this ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Rejected a webhook delivery: {Problem}")]
    public static partial void RejectedUnresolvedSecret(this ILogger logger, string problem);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Rejected webhook delivery {DeliveryId}: signature {Problem}")]
    public static partial void RejectedSignature(this ILogger logger, string deliveryId, string problem);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Ignored webhook delivery {DeliveryId}: FinGuard does not handle '{Event}' events")]
    public static partial void IgnoredEvent(this ILogger logger, string deliveryId, string @event);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Duplicate webhook delivery {DeliveryId} ({Event}) acknowledged, not processed again")]
    public static partial void DuplicateDelivery(this ILogger logger, string deliveryId, string @event);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Stored webhook delivery {DeliveryId} but could not dispatch it; the pending-delivery sweep will")]
    public static partial void DispatchFailed(this ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Could not store webhook delivery {DeliveryId}; answered 503 so GitHub records the failure and it is redelivered")]
    public static partial void StoreFailed(this ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Accepted webhook delivery {DeliveryId}: {Event}.{Action} on {Repository}")]
    public static partial void AcceptedDelivery(this ILogger logger, string deliveryId, string @event, string? action, string? repository);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Refused webhook delivery {DeliveryId} with 503: webhook bodies in flight would exceed {LimitBytes} bytes (Webhooks:MaxInFlightBodyBytes); GitHub records the attempt and it is redelivered")]
    public static partial void RejectedBusy(this ILogger logger, string deliveryId, long limitBytes);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Refused webhook delivery {DeliveryId} with {Status}: its body could not be read ({Reason})")]
    public static partial void RejectedBody(this ILogger logger, string deliveryId, int status, string? reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "ALERT: signed webhook delivery {DeliveryId} ({Event}) reuses a stored delivery id with a different body; the first body is kept and this one is not processed. GitHub never does this: a replay attempt with the webhook secret, or a bug (docs/operations.md)")]
    public static partial void DeliveryIdReused(this ILogger logger, string deliveryId, string @event);
}
