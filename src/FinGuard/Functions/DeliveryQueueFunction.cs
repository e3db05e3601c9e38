using FinGuard.Core.Deliveries;
using FinGuard.Processing;

namespace FinGuard.Functions;

/// <summary>
/// The <c>ProcessDelivery</c> queue trigger's work: take the delivery id from the message, process the stored
/// delivery with the <see cref="DeliveryWorker"/>, and end by the inbox state afterwards. Completed, or failed
/// permanently (recorded in the inbox; retrying cannot help): the invocation succeeds and the message is deleted.
/// Still pending (a transient failure, or another instance has it in flight), an unknown delivery id or an unreadable
/// message: it throws <see cref="DeliveryNotProcessedException"/>, so the Functions host makes the message visible
/// again after <c>visibilityTimeout</c> and moves it to <c>deliveries-poison</c> after <c>maxDequeueCount</c>
/// attempts (host.json).
/// </summary>
public sealed partial class DeliveryQueueFunction(DeliveryWorker worker, IDeliveryInbox inbox, ILogger<DeliveryQueueFunction> logger)
{
    /// <returns>One line for the invocation log: what became of the delivery.</returns>
    public async Task<string> RunAsync(string message, string? messageId, string? dequeueCount, CancellationToken cancellationToken)
    {
        if (!DeliveryQueueMessage.TryReadDeliveryId(message, out var deliveryId, out var problem))
        {
            LogUnreadableMessage(messageId, problem);
            throw new DeliveryNotProcessedException($"Unreadable queue message {messageId ?? "(no id)"}: {problem}");
        }

        await worker.ProcessAsync(deliveryId, cancellationToken);
        var stored = await inbox.GetAsync(deliveryId, cancellationToken);
        switch (stored?.State)
        {
            case null:
                LogUnknownDelivery(deliveryId);
                throw new DeliveryNotProcessedException(
                    $"Delivery {deliveryId} is not in the inbox; the message is retried and then moved to the poison queue.");
            case DeliveryState.Completed:
                return $"Delivery {deliveryId} ({stored.Delivery.Event}) completed (dequeue count {dequeueCount ?? "?"}).";
            case DeliveryState.Failed:
                LogPermanentFailure(deliveryId, stored.Attempts);
                return $"Delivery {deliveryId} ({stored.Delivery.Event}) failed permanently after {stored.Attempts} attempt(s): {stored.LastError}. Recorded in the inbox; not retried.";
            default:
                LogStillPending(deliveryId, stored.Attempts);
                throw new DeliveryNotProcessedException(
                    $"Delivery {deliveryId} ({stored.Delivery.Event}) is still pending after {stored.Attempts} attempt(s){(stored.LastError is null ? "" : ": " + stored.LastError)}; the host retries the message (dequeue count {dequeueCount ?? "?"}).");
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Queue message {MessageId} has no readable delivery id: {Problem}")]
    private partial void LogUnreadableMessage(string? messageId, string problem);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Queue message names delivery {DeliveryId}, which is not in the inbox")]
    private partial void LogUnknownDelivery(string deliveryId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} is still pending after {Attempts} attempt(s); the Functions host will retry the message")]
    private partial void LogStillPending(string deliveryId, int attempts);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Delivery {DeliveryId} failed permanently after {Attempts} attempt(s)")]
    private partial void LogPermanentFailure(string deliveryId, int attempts);
}

/// <summary>The queue message was not processed to an end; failing the invocation makes the host retry or poison it.</summary>
public sealed class DeliveryNotProcessedException : Exception
{
    public DeliveryNotProcessedException()
    {
    }

    public DeliveryNotProcessedException(string message)
        : base(message)
    {
    }

    public DeliveryNotProcessedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
