using System.ComponentModel.DataAnnotations;

namespace FinGuard.GitHub.Api;

/// <summary>
/// How hard FinGuard tries before giving up on a GitHub request (<c>GitHub:Resilience</c>). Server errors and timeouts
/// are retried <see cref="MaxRetries"/> times with exponential back-off and jitter starting at <see cref="RetryBaseDelay"/>;
/// a rate limit that resets within <see cref="MaxRateLimitWait"/> is waited out, a longer one fails the request as
/// transient (the delivery is retried later).
/// </summary>
public sealed class GitHubResilienceOptions
{
    public const string SectionName = "GitHub:Resilience";

    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00", "00:15:00")]
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(60);
}
