using FinGuard.Core.Deliveries;
using FinGuard.Functions;

namespace FinGuard.Processing;

/// <summary>
/// The <c>RedeliverySweep</c> timer's first duty: a delivery that is stored but still pending some minutes after it
/// arrived lost its hand-off (a crash between storing and dispatching, a queue outage, a message that expired); it is
/// dispatched again. Deliveries GitHub never managed to send are the second duty (GitHub's <c>/app/hook/deliveries</c>),
/// not implemented yet, and the outcome says so.
/// </summary>
public sealed partial class PendingDeliverySweepJob(
    IDeliveryInbox inbox,
    IDeliveryDispatcher dispatcher,
    TimeProvider time,
    ILogger<PendingDeliverySweepJob> logger) : IScheduledJob
{
    /// <summary>How long a delivery may stay pending before the sweep considers its hand-off lost.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    public string Name => FunctionNames.RedeliverySweep;

    public async Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - Grace;
        var stale = (await inbox.ListPendingAsync(cancellationToken)).Where(d => d.Delivery.ReceivedAt <= cutoff).ToList();
        foreach (var pending in stale)
        {
            await dispatcher.DispatchAsync(pending.Delivery.DeliveryId, cancellationToken);
            LogRedispatched(pending.Delivery.DeliveryId, pending.Delivery.Event, pending.Attempts);
        }

        return new ScheduledJobOutcome(
            true,
            $"Re-dispatched {stale.Count} delivery(ies) pending for more than {Grace.TotalMinutes:0} minutes. " +
            "Redelivering webhooks GitHub failed to send (GET /app/hook/deliveries) is not implemented yet.");
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Re-dispatched delivery {DeliveryId} ({Event}), pending after {Attempts} attempts")]
    private partial void LogRedispatched(string deliveryId, string @event, int attempts);
}
