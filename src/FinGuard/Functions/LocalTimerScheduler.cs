using Cronos;

namespace FinGuard.Functions;

/// <summary>
/// Runs the timer jobs in <c>finguard serve</c> when no Azure Functions host does (a plain Kestrel deployment, a
/// developer's machine): each job of <see cref="FunctionNames.Timers"/> on its <see cref="FunctionNames.Schedules"/>
/// schedule, one at a time, on the injected <see cref="TimeProvider"/>. A job that throws is logged and runs again at
/// its next occurrence; it never stops the others or the server. Registered only by <c>serve</c> (in the Functions
/// worker the host fires the <c>[TimerTrigger]</c>s on the same schedules); off when <c>Scheduler:Enabled</c> is false.
/// </summary>
public sealed partial class LocalTimerScheduler(
    IServiceProvider services,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<LocalTimerScheduler> logger) : BackgroundService
{
    public const string EnabledKey = "Scheduler:Enabled";

    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the schedule is computed from the current time (or at once when the scheduler is off).</summary>
    public Task Started => started.Task;

    /// <summary>Whether this process should fire the timers itself.</summary>
    public static bool IsEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.Equals(configuration[EnabledKey], "false", StringComparison.OrdinalIgnoreCase);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled(configuration))
        {
            started.TrySetResult();
            return;
        }

        var schedules = FunctionNames.Timers.ToDictionary(
            t => t,
            t => CronExpression.Parse(FunctionNames.Schedules[t], CronFormat.IncludeSeconds),
            StringComparer.Ordinal);
        var next = schedules.ToDictionary(s => s.Key, s => s.Value.GetNextOccurrence(time.GetUtcNow(), TimeZoneInfo.Utc), StringComparer.Ordinal);
        var described = string.Join(", ", schedules.Keys.Select(k => $"{k} ({FunctionNames.Schedules[k]})"));
        LogStarted(described);
        while (!stoppingToken.IsCancellationRequested)
        {
            var (name, at) = next.Where(n => n.Value is not null).MinBy(n => n.Value!.Value);
            var wait = at!.Value - time.GetUtcNow();

            // The timer is armed before Started completes, so a clock moved after Started is always seen.
            var delay = wait > TimeSpan.Zero ? Task.Delay(wait, time, stoppingToken) : Task.CompletedTask;
            started.TrySetResult();
            try
            {
                await delay;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var pastDue = time.GetUtcNow() - at.Value > TimeSpan.FromMinutes(1);
            await RunAsync(name, pastDue, at.Value, stoppingToken);
            next[name] = Following(schedules[name], at.Value, time.GetUtcNow());
        }
    }

    /// <summary>
    /// The occurrence after <paramref name="ran"/>, counted from the schedule rather than the clock, so the time a job
    /// takes never skips an occurrence; when several have passed meanwhile (the process was paused), only the latest.
    /// </summary>
    private static DateTimeOffset? Following(CronExpression schedule, DateTimeOffset ran, DateTimeOffset now)
    {
        var following = schedule.GetNextOccurrence(ran, TimeZoneInfo.Utc);
        while (following is { } current && schedule.GetNextOccurrence(current, TimeZoneInfo.Utc) is { } after && after <= now)
        {
            following = after;
        }

        return following;
    }

    private async Task RunAsync(string name, bool pastDue, DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var job = services.GetServices<IScheduledJob>().LastOrDefault(j => string.Equals(j.Name, name, StringComparison.Ordinal));
        if (job is null)
        {
            return;
        }

        try
        {
            var outcome = await job.RunAsync(new ScheduledJobContext(name, pastDue, scheduledFor.ToString("O", System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
            LogRan(name, outcome.Summary);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // A failing job is reported and retried at its next occurrence; it must not stop the scheduler.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex, name);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Running the timer jobs in this process: {Schedules}")]
    private partial void LogStarted(string schedules);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Timer {Job}: {Summary}")]
    private partial void LogRan(string job, string summary);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "Timer {Job} failed; it runs again at its next occurrence")]
    private partial void LogFailed(Exception exception, string job);
}
