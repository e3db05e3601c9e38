using FinGuard.Benchmarks.Reporting;

namespace FinGuard.Benchmarks.EndToEnd;

/// <summary>
/// Delivery → check run latencies in milliseconds, sorted, with +∞ for a delivery whose check run never arrived (above
/// every finite percentile): what <c>e2e</c> and <c>coldstart</c> report.
/// </summary>
public static class PublishLatencies
{
    /// <summary>Nearest-rank percentile <paramref name="p"/> (0–100); +∞ when it falls on an unpublished delivery, NaN without any.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The percentile for a table: milliseconds, or "unpublished".</summary>
    public static string Show(IReadOnlyList<double> sorted, double p) =>
        Percentile(sorted, p) is var value && double.IsPositiveInfinity(value) ? "unpublished" : ConsoleTable.Milliseconds(value);
}
