namespace FinGuard.Functions;

/// <summary>
/// The Azure Functions of the function app, one folder each under <c>src/FinGuard/Functions/&lt;Name&gt;/function.json</c>
/// (copied to <c>&lt;publish&gt;/&lt;Name&gt;/function.json</c>). The Functions host invokes a non-HTTP function with
/// <c>POST /&lt;Name&gt;</c>; HTTP functions are forwarded unchanged to the app's own routes.
/// </summary>
public static class FunctionNames
{
    /// <summary>Queue trigger on the <c>deliveries</c> queue: process one stored delivery.</summary>
    public const string ProcessDelivery = "ProcessDelivery";

    /// <summary>The binding name of the queue message in <c>ProcessDelivery/function.json</c>, i.e. the key under <c>Data</c>.</summary>
    public const string ProcessDeliveryBinding = "delivery";

    /// <summary>Timer trigger: find deliveries GitHub failed to deliver and ask for redelivery.</summary>
    public const string RedeliverySweep = "RedeliverySweep";

    /// <summary>Timer trigger: re-evaluate open pull requests when a change-freeze window opens or closes.</summary>
    public const string FreezeWindowEdges = "FreezeWindowEdges";

    /// <summary>Timer trigger, daily at 00:15 UTC: write the previous day's evidence checkpoint.</summary>
    public const string DailyCheckpoint = "DailyCheckpoint";

    /// <summary>The binding name of every timer trigger, i.e. the key under <c>Data</c>.</summary>
    public const string TimerBinding = "timer";

    /// <summary>Every timer function; each runs the <see cref="IScheduledJob"/> of the same name.</summary>
    public static IReadOnlyList<string> Timers { get; } = [RedeliverySweep, FreezeWindowEdges, DailyCheckpoint];

    /// <summary>
    /// Each timer's NCRONTAB schedule (with seconds, UTC), as its <c>function.json</c> states it. <c>finguard serve</c>
    /// outside Azure Functions runs the timers itself on these schedules (<see cref="LocalTimerScheduler"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Schedules { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RedeliverySweep] = "0 */10 * * * *",
        [FreezeWindowEdges] = "0 * * * * *",
        [DailyCheckpoint] = "0 15 0 * * *",
    };

    /// <summary>The Azure Storage queue the HTTP ingress puts delivery ids on in Azure mode.</summary>
    public const string DeliveriesQueue = "deliveries";
}
