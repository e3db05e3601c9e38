using System.Diagnostics;

namespace FinGuard.Tests.Infrastructure;

/// <summary>Polls for an outcome produced by the background worker, with a deadline.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(30);

    public static async Task<T> GetAsync<T>(Func<T?> probe, Func<string> describeFailure, TimeSpan? patience = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(describeFailure);
        var limit = patience ?? DefaultPatience;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"Not within {limit}: {describeFailure()}");
    }
}
