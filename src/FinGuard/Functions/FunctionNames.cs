namespace FinGuard.Functions;

/// <summary>
/// The Azure Functions of the function app (<see cref="FinGuardFunctions"/>); the SDK writes each one's trigger to
/// <c>functions.metadata</c> in the build and publish output.
/// </summary>
public static class FunctionNames
{
    /// <summary>HTTP trigger, <c>POST /api/github/webhooks</c>: the webhook ingress.</summary>
    public const string Webhook = "Webhook";

    /// <summary>HTTP trigger, <c>GET /healthz</c>.</summary>
    public const string Healthz = "Healthz";

    /// <summary>HTTP trigger, <c>GET /readyz</c>.</summary>
    public const string Readyz = "Readyz";

    /// <summary>HTTP trigger, <c>GET /setup/installed</c>: where GitHub sends the browser after an installation.</summary>
    public const string SetupInstalled = "SetupInstalled";

    /// <summary>Queue trigger on the <c>deliveries</c> queue: process one stored delivery.</summary>
    public const string ProcessDelivery = "ProcessDelivery";

    /// <summary>Timer trigger: find deliveries GitHub failed to deliver and ask for redelivery.</summary>
    public const string RedeliverySweep = "RedeliverySweep";

    /// <summary>Timer trigger: re-evaluate open pull requests when a change-freeze window opens or closes.</summary>
    public const string FreezeWindowEdges = "FreezeWindowEdges";

    /// <summary>Timer trigger, daily at 00:15 UTC: write the previous day's evidence checkpoint.</summary>
    public const string DailyCheckpoint = "DailyCheckpoint";

    /// <summary>Timer trigger, hourly: sign the tree head of every evidence chain that grew.</summary>
    public const string TreeHeads = "TreeHeads";

    /// <summary>Every timer function; each runs the <see cref="IScheduledJob"/> of the same name.</summary>
    public static IReadOnlyList<string> Timers { get; } = [RedeliverySweep, FreezeWindowEdges, DailyCheckpoint, TreeHeads];

    /// <summary>
    /// Each timer's NCRONTAB schedule (<see cref="FunctionSchedules"/>): the Functions host fires the
    /// <c>[TimerTrigger]</c>s on them, and <c>finguard serve</c> runs the timers itself on the same ones
    /// (<see cref="LocalTimerScheduler"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Schedules { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RedeliverySweep] = FunctionSchedules.RedeliverySweep,
        [FreezeWindowEdges] = FunctionSchedules.FreezeWindowEdges,
        [DailyCheckpoint] = FunctionSchedules.DailyCheckpoint,
        [TreeHeads] = FunctionSchedules.TreeHeads,
    };

    /// <summary>The Azure Storage queue the HTTP ingress puts delivery ids on in Azure mode.</summary>
    public const string DeliveriesQueue = "deliveries";

    /// <summary>
    /// The app-setting prefix of the <see cref="ProcessDelivery"/> trigger's storage connection
    /// (<c>FinGuardQueue__queueServiceUri</c>, set by infra/main.bicep).
    /// </summary>
    public const string DeliveriesQueueConnection = "FinGuardQueue";
}

/// <summary>
/// The timers' NCRONTAB schedules (six fields, with seconds; UTC), in one place for the <c>[TimerTrigger]</c> attributes
/// and <see cref="LocalTimerScheduler"/>.
/// </summary>
public static class FunctionSchedules
{
    /// <summary>Every 10 minutes.</summary>
    public const string RedeliverySweep = "0 */10 * * * *";

    /// <summary>Every minute, so a window edge is acted on within a minute.</summary>
    public const string FreezeWindowEdges = "0 * * * * *";

    /// <summary>Daily at 00:15 UTC, after the day has ended.</summary>
    public const string DailyCheckpoint = "0 15 0 * * *";

    /// <summary>Hourly at minute 5: the longest a cut-off of the newest records can stay unsigned.</summary>
    public const string TreeHeads = "0 5 * * * *";
}
