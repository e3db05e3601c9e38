using FinGuard.Functions;

namespace FinGuard.Evidence.TreeHeads;

/// <summary>
/// Timer job <c>TreeHeads</c> (hourly): signs the tree head of every chain that grew (<see cref="TreeHeadWriter"/>).
/// A chain it refuses to sign is reported as a failed run, so the operators' alert on failed timers fires.
/// </summary>
public sealed class TreeHeadJob(TreeHeadWriter writer) : IScheduledJob
{
    public const string JobName = FunctionNames.TreeHeads;

    public string Name => JobName;

    public async Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcomes = await writer.WriteAllAsync(cancellationToken);
        if (outcomes.Count == 0)
        {
            return new ScheduledJobOutcome(true, "No evidence in the store yet; no tree head to sign.");
        }

        var summary = string.Join("; ", outcomes.Select(TreeHeadWriter.Describe));
        return outcomes.Any(o => o.Problems.Count > 0)
            ? throw new InvalidDataException($"Tree heads refused for damaged evidence (run 'finguard evidence verify --live'): {summary}")
            : new ScheduledJobOutcome(true, summary);
    }
}
