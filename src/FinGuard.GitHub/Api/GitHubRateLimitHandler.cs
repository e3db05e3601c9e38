using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Api;

/// <summary>
/// Waits out a GitHub rate limit that resets soon (at most <see cref="GitHubResilienceOptions.MaxRateLimitWait"/>) and
/// sends the request again, at most <see cref="MaxWaits"/> times; a longer limit is returned to the caller, which fails
/// with a transient <see cref="GitHubApiException"/> naming the reset time. It sits outside the standard resilience
/// handler, whose retry is configured not to handle rate limits, so nothing is retried twice.
/// </summary>
public sealed partial class GitHubRateLimitHandler(
    TimeProvider time,
    IOptions<GitHubResilienceOptions> options,
    ILogger<GitHubRateLimitHandler> logger) : DelegatingHandler
{
    public const int MaxWaits = 2;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var waits = 0; ; waits++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var now = time.GetUtcNow();
            if (GitHubRateLimit.RetryAt(response, now) is not { } retryAt)
            {
                return response;
            }

            // x-ratelimit-reset has one-second precision; a second of margin avoids arriving just before it.
            var wait = retryAt - now + TimeSpan.FromSeconds(1);
            if (waits >= MaxWaits || wait > options.Value.MaxRateLimitWait)
            {
                LogNotWaiting((int)response.StatusCode, request.Method.Method, request.RequestUri?.AbsolutePath, retryAt);
                return response;
            }

            LogWaiting((int)response.StatusCode, request.Method.Method, request.RequestUri?.AbsolutePath, wait.TotalSeconds);
            response.Dispose();
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "GitHub rate limit ({Status}) on {Method} {Path}; waiting {Seconds:F0} s before sending it again")]
    private partial void LogWaiting(int status, string method, string? path, double seconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "GitHub rate limit ({Status}) on {Method} {Path} resets at {RetryAt:u}, too far to wait; failing the request as transient")]
    private partial void LogNotWaiting(int status, string method, string? path, DateTimeOffset retryAt);
}
