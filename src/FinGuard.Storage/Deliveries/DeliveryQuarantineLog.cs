using FinGuard.Core.Deliveries;
using FinGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FinGuard.Storage.Deliveries;

/// <summary>
/// How an inbox reports an entry it moved aside: an alert (event 2201) naming the delivery id, the reason and where the
/// entry now is, and the <c>finguard.deliveries.quarantined</c> counter. Both inbox backends report through it, whichever
/// read found the corruption (the start-up resume, the sweep, a worker's read).
/// </summary>
internal sealed partial class DeliveryQuarantineLog(ILogger logger, FinGuardTelemetry? telemetry)
{
    public static DeliveryQuarantineLog None { get; } = new(NullLogger.Instance, null);

    public static DeliveryQuarantineLog Create(ILoggerFactory? loggers, FinGuardTelemetry? telemetry) =>
        new((loggers ?? NullLoggerFactory.Instance).CreateLogger("FinGuard.Storage.DeliveryInbox"), telemetry);

    /// <summary>A corrupt entry was quarantined by FinGuard itself.</summary>
    public void Corrupt(QuarantinedDelivery entry)
    {
        LogCorrupt(entry.DeliveryId, entry.Reason, entry.Location);
        telemetry?.DeliveryQuarantined("corrupt");
    }

    /// <summary>An operator quarantined an entry (<c>finguard deliveries quarantine</c>).</summary>
    public void ByOperator(QuarantinedDelivery entry)
    {
        LogByOperator(entry.DeliveryId, entry.Reason, entry.Location);
        telemetry?.DeliveryQuarantined("operator");
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "ALERT: quarantined delivery {DeliveryId}: {Reason}. It was moved aside to {Location}, not deleted, and every other delivery is processed. Inspect it with 'finguard deliveries show {DeliveryId}', then ask GitHub to redeliver it, or repair it and run 'finguard deliveries retry {DeliveryId}' (docs/operations.md, \"Quarantined deliveries\")")]
    private partial void LogCorrupt(string deliveryId, string reason, string location);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} quarantined by an operator ({Reason}); moved to {Location}. 'finguard deliveries retry {DeliveryId}' puts it back")]
    private partial void LogByOperator(string deliveryId, string reason, string location);
}
