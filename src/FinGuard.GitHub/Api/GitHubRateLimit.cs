using System.Globalization;
using System.Net;

namespace FinGuard.GitHub.Api;

/// <summary>
/// Reads GitHub's rate-limit signals from a response: a 403 or 429 with <c>retry-after</c> (seconds), or with
/// <c>x-ratelimit-remaining: 0</c> and <c>x-ratelimit-reset</c> (epoch seconds). A 429 without either means "wait at
/// least a minute" (GitHub's guidance for secondary limits). A 403 without them is a permission problem, not a limit.
/// </summary>
public static class GitHubRateLimit
{
    /// <summary>GitHub's advice when a secondary rate limit gives no time: wait at least a minute.</summary>
    public static readonly TimeSpan UnspecifiedWait = TimeSpan.FromMinutes(1);

    /// <summary>When the request may be sent again, or null when <paramref name="response"/> is not rate limiting.</summary>
    public static DateTimeOffset? RetryAt(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
        {
            return null;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return now + (delta < TimeSpan.Zero ? TimeSpan.Zero : delta);
            }

            if (retryAfter.Date is { } date)
            {
                return date < now ? now : date;
            }
        }

        if (Header(response, "x-ratelimit-remaining") == "0")
        {
            return long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                && DateTimeOffset.FromUnixTimeSeconds(epoch) is var reset
                    ? (reset < now ? now : reset)
                    : now + UnspecifiedWait;
        }

        return response.StatusCode == HttpStatusCode.TooManyRequests ? now + UnspecifiedWait : null;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;
}
