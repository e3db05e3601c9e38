namespace FinGuard.Functions;

/// <summary>What a timer trigger hands to its job.</summary>
/// <param name="FunctionName">The timer function that fired, e.g. <see cref="FunctionNames.RedeliverySweep"/>.</param>
/// <param name="IsPastDue">The host's <c>IsPastDue</c>: the invocation is later than scheduled.</param>
/// <param name="ScheduledFor">The host's <c>ScheduleStatus.Next</c> as reported before this run, when present.</param>
public sealed record ScheduledJobContext(string FunctionName, bool IsPastDue, string? ScheduledFor);

/// <summary>What a job did, in one line for the invocation log.</summary>
/// <param name="Implemented">False for a placeholder that did no work; reported as such, never as a pass.</param>
/// <param name="Summary">One line: what was done, or why nothing was.</param>
public sealed record ScheduledJobOutcome(bool Implemented, string Summary);

/// <summary>
/// Work run by a timer function. The endpoint of timer <c>X</c> runs the last registered job whose
/// <see cref="Name"/> is <c>X</c>, so registering a real job after <see cref="FunctionsServiceCollectionExtensions.AddFinGuardFunctions"/>
/// replaces the placeholder.
/// </summary>
public interface IScheduledJob
{
    /// <summary>The timer function name this job runs for.</summary>
    string Name { get; }

    Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Placeholder for a timer job whose work is tracked in a later issue: it does nothing and says so, in the
/// application log (warning) and in the invocation's <c>Logs</c>.
/// </summary>
public sealed partial class NotYetImplementedScheduledJob(string name, ILogger<NotYetImplementedScheduledJob> logger) : IScheduledJob
{
    public string Name { get; } = name;

    public Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        LogNotImplemented(Name);
        return Task.FromResult(new ScheduledJobOutcome(false, $"{Name} is not implemented yet: no work was done."));
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Timer {Job} fired, but the job is not implemented yet; no work was done")]
    private partial void LogNotImplemented(string job);
}
