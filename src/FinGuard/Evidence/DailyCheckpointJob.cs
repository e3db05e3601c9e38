using System.Globalization;
using FinGuard.Functions;

namespace FinGuard.Evidence;

/// <summary>
/// Timer job <c>DailyCheckpoint</c>: writes the previous UTC day's checkpoint of every organisation in the evidence
/// store (<see cref="CheckpointWriter"/>). Safe to run more than once a day, or late: a day already checkpointed is
/// reported, not written again.
/// </summary>
public sealed class DailyCheckpointJob(CheckpointWriter writer) : IScheduledJob
{
    /// <summary>The timer function name this job runs for.</summary>
    public const string JobName = FunctionNames.DailyCheckpoint;

    public string Name => JobName;

    public async Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcomes = await writer.WritePreviousDayAsync(cancellationToken);
        if (outcomes.Count == 0)
        {
            return new ScheduledJobOutcome(true, "No evidence in the store yet; no checkpoint to write.");
        }

        var parts = outcomes.Select(o => string.Create(CultureInfo.InvariantCulture,
            $"{o.Organisation} {o.Day:yyyy-MM-dd}: {(o.Written ? "wrote" : "already had")} {o.BlobName} ({o.Heads} chain head(s))"));
        return new ScheduledJobOutcome(true, string.Join("; ", parts));
    }
}
