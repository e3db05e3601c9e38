namespace FinGuard.Functions;

/// <summary>
/// A timer function's work: run the last registered <see cref="IScheduledJob"/> of the timer's name and log what it did.
/// A job that throws fails the invocation (the host logs it as a failed function execution, which the
/// timer-failure alert counts); the timer fires again at its next occurrence.
/// </summary>
public sealed partial class ScheduledJobRunner(IEnumerable<IScheduledJob> jobs, ILogger<ScheduledJobRunner> logger)
{
    /// <returns>One line: the job, whether it did its work ("done") or is a placeholder ("NOT IMPLEMENTED"), and its summary.</returns>
    public async Task<string> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = jobs.LastOrDefault(j => string.Equals(j.Name, context.FunctionName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No job is registered for timer {context.FunctionName}.");
        try
        {
            var outcome = await job.RunAsync(context, cancellationToken);
            var line = $"{context.FunctionName} ({(outcome.Implemented ? "done" : "NOT IMPLEMENTED")}; past due: {(context.IsPastDue ? "yes" : "no")}): {outcome.Summary}";
            LogRan(context.FunctionName, line);
            return line;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogJobFailed(ex, context.FunctionName);
            throw;
        }
    }

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Timer {Job}: {Summary}")]
    private partial void LogRan(string job, string summary);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Timer job {Job} failed")]
    private partial void LogJobFailed(Exception exception, string job);
}
