using System.Diagnostics;

namespace FinGuard.Benchmarks.Load;

/// <summary>
/// Collects per-request latencies (Stopwatch ticks) into a fixed-size array, so recording never allocates and
/// the number of samples is bounded. Percentiles are exact (sorted samples), not histogram estimates.
/// </summary>
public sealed class LatencyRecorder(int capacity)
{
    private readonly long[] samples = new long[capacity];
    private int count;

    public int Count => Math.Min(Volatile.Read(ref count), samples.Length);

    /// <summary>Records one latency; false when the recorder is full (the caller stops).</summary>
    public bool Record(long elapsedTicks)
    {
        var index = Interlocked.Increment(ref count) - 1;
        if (index >= samples.Length)
        {
            return false;
        }

        samples[index] = elapsedTicks;
        return true;
    }

    public LatencySummary Summarise()
    {
        var n = Count;
        var sorted = samples.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        return new LatencySummary(n, sorted);
    }
}

/// <summary>Exact percentiles over recorded latencies.</summary>
public sealed class LatencySummary
{
    private readonly long[] sorted;

    internal LatencySummary(int count, long[] sorted)
    {
        Count = count;
        this.sorted = sorted;
    }

    public int Count { get; }

    /// <summary>All samples of several summaries together (e.g. the rounds of an interleaved run).</summary>
    public static LatencySummary Merge(IEnumerable<LatencySummary> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var all = parts.SelectMany(p => p.sorted.Take(p.Count)).ToArray();
        Array.Sort(all);
        return new LatencySummary(all.Length, all);
    }

    /// <summary>The latency at percentile <paramref name="p"/> (0–100), nearest-rank, in milliseconds; NaN without samples.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * Count);
        return ToMilliseconds(sorted[Math.Clamp(rank - 1, 0, Count - 1)]);
    }

    public double Max => Count == 0 ? double.NaN : ToMilliseconds(sorted[Count - 1]);

    private static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
