using System.Globalization;
using FinGuard.Core.Deliveries;
using FinGuard.Functions;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Deliveries;

namespace FinGuard.Processing;

/// <summary>
/// The <c>RedeliverySweep</c> timer: nothing GitHub sent, or tried to send, is lost.
/// <list type="number">
/// <item>A delivery that is stored but still pending some minutes after it arrived lost its hand-off (a crash between
/// storing and dispatching, a queue outage, an expired message); it is dispatched again.</item>
/// <item>A delivery GitHub failed to deliver (no answer, a 5xx, a 429: FinGuard was down, overloaded or unreachable)
/// and that FinGuard has not stored is asked for again: the job lists the App's failed attempts since its last sweep
/// (<c>GET /app/hook/deliveries?status=failure</c>), groups them by delivery GUID, and redelivers the newest attempt
/// of each (<c>POST /app/hook/deliveries/{id}/attempts</c>), at most <see cref="MaxRedeliveryAttempts"/> times per
/// delivery. Attempts FinGuard answered with another 4xx (a bad signature, an oversized payload) were refused on
/// purpose and are not asked for again.</item>
/// </list>
/// </summary>
public sealed partial class PendingDeliverySweepJob(
    IDeliveryInbox inbox,
    IDeliveryDispatcher dispatcher,
    HookDeliveriesClient hookDeliveries,
    IRedeliverySweepState state,
    TimeProvider time,
    ILogger<PendingDeliverySweepJob> logger) : IScheduledJob
{
    /// <summary>How long a delivery may stay pending before the sweep considers its hand-off lost.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    /// <summary>How far back the first sweep (no state yet) looks; GitHub keeps three days.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromHours(6);

    /// <summary>Each sweep re-reads this much before the previous one, so an attempt logged late is not missed.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    /// <summary>Redeliveries asked for per delivery GUID before giving up (GitHub's own log keeps them all).</summary>
    public const int MaxRedeliveryAttempts = 3;

    /// <summary>Redeliveries asked for per sweep, to stay within GitHub's rate limit after a long outage.</summary>
    public const int MaxRedeliveriesPerSweep = 100;

    public string Name => FunctionNames.RedeliverySweep;

    public async Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = now - Grace;
        // A corrupt entry is quarantined (and alerted on) by the listing, so it never stops the rest of the sweep.
        var listed = await inbox.ListPendingAsync(cancellationToken);
        var stale = listed.Where(d => d.Delivery.ReceivedAt <= cutoff).ToList();
        foreach (var pending in stale)
        {
            await dispatcher.DispatchAsync(pending.Delivery.DeliveryId, cancellationToken);
            LogRedispatched(pending.Delivery.DeliveryId, pending.Delivery.Event, pending.Attempts);
        }

        var dispatched = $"Re-dispatched {stale.Count} delivery(ies) pending for more than {Grace.TotalMinutes:0} minutes."
            + (listed.Quarantined.Count == 0
                ? ""
                : $" Quarantined {listed.Quarantined.Count} corrupt delivery(ies): {string.Join(", ", listed.Quarantined.Select(q => q.DeliveryId))} ('finguard deliveries list').");
        string redelivered;
        try
        {
            redelivered = await RedeliverFailedAsync(now, cancellationToken);
        }
        catch (Exception ex) when (ex is GitHubApiException or GitHubAuthException or HttpRequestException)
        {
            LogSweepFailed(ex.Message);
            return new ScheduledJobOutcome(true, $"{dispatched} Could not read GitHub's delivery log: {ex.Message}; the next sweep tries again.");
        }

        return new ScheduledJobOutcome(true, $"{dispatched} {redelivered}");
    }

    private async Task<string> RedeliverFailedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = await state.ReadLastSweepAsync(cancellationToken);
        var since = (last ?? now - FirstLookBack) - Overlap;
        var attempts = await hookDeliveries.ListFailedAsync(since, cancellationToken);
        var asked = 0;
        var stored = 0;
        var refused = 0;
        var exhausted = 0;
        foreach (var delivery in attempts.Where(a => a.DeliveredAt >= since).GroupBy(a => a.DeliveryGuid, StringComparer.Ordinal))
        {
            var newest = delivery.MaxBy(a => a.DeliveredAt)!;
            if (await inbox.GetAsync(delivery.Key, cancellationToken) is not null)
            {
                stored++;
                continue;
            }

            if (!HookDeliveriesClient.IsWorthRedelivering(newest.StatusCode))
            {
                refused++;
                continue;
            }

            if (delivery.Count(a => a.Redelivery) >= MaxRedeliveryAttempts)
            {
                exhausted++;
                LogGaveUp(delivery.Key, newest.Event, MaxRedeliveryAttempts);
                continue;
            }

            if (asked >= MaxRedeliveriesPerSweep)
            {
                break;
            }

            await hookDeliveries.RedeliverAsync(newest.Id, cancellationToken);
            asked++;
            LogRedelivery(delivery.Key, newest.Event, newest.StatusCode);
        }

        // Only a complete sweep moves the mark; a partial one is repeated.
        if (asked < MaxRedeliveriesPerSweep)
        {
            await state.WriteLastSweepAsync(now, cancellationToken);
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"GitHub's delivery log since {since:yyyy-MM-dd HH:mm} UTC: {attempts.Count} failed attempt(s); asked GitHub to redeliver {asked}; {stored} already stored; {refused} refused on purpose (4xx); {exhausted} given up after {MaxRedeliveryAttempts} redeliveries.");
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Re-dispatched delivery {DeliveryId} ({Event}), pending after {Attempts} attempts")]
    private partial void LogRedispatched(string deliveryId, string @event, int attempts);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Asked GitHub to redeliver {DeliveryId} ({Event}); its last attempt got status {StatusCode}")]
    private partial void LogRedelivery(string deliveryId, string @event, int statusCode);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Gave up on delivery {DeliveryId} ({Event}) after {Attempts} redeliveries; redeliver it by hand from the App's advanced settings once FinGuard is healthy")]
    private partial void LogGaveUp(string deliveryId, string @event, int attempts);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Redelivery sweep could not read GitHub's delivery log: {Reason}")]
    private partial void LogSweepFailed(string reason);
}

/// <summary>When the redelivery sweep last read GitHub's delivery log completely.</summary>
public interface IRedeliverySweepState
{
    Task<DateTimeOffset?> ReadLastSweepAsync(CancellationToken cancellationToken);

    Task WriteLastSweepAsync(DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>In FinGuard's storage (<see cref="Storage.Jobs.IJobStateStore"/>: the <c>JobState</c> table on Azure).</summary>
public sealed class StoredRedeliverySweepState(Storage.Jobs.IJobStateStore store) : IRedeliverySweepState
{
    public const string Job = "redelivery-sweep";

    private const string LastSweepKey = "lastSweep";

    public async Task<DateTimeOffset?> ReadLastSweepAsync(CancellationToken cancellationToken) =>
        (await store.ReadAsync(Job, cancellationToken)).TryGetValue(LastSweepKey, out var text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : null;

    public Task WriteLastSweepAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        store.WriteAsync(Job, new Dictionary<string, string> { [LastSweepKey] = at.ToString("O", CultureInfo.InvariantCulture) }, cancellationToken);
}
