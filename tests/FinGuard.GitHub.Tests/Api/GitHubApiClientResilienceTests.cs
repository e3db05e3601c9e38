using System.Globalization;
using System.Net;
using FinGuard.GitHub.Api;
using FinGuard.Testing.FakeGitHub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.GitHub.Tests.Api;

/// <summary>
/// The REST client through the real DI registration (rate-limit handler + standard resilience handler) against the
/// loopback fake GitHub. Rate-limit waits run on a <see cref="FakeTimeProvider"/> that moves only when the test moves it, so a 20-second wait takes no time and is measured exactly.
/// </summary>
public sealed class GitHubApiClientResilienceTests : IAsyncLifetime
{
    private const long Installation = 77;
    private const string PullPath = "/repos/octo/app/pulls/1";

    private readonly TimerWatchingClock clock = new();
    private FakeGitHubServer github = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        services = FakeGitHubServices.Create(github, clock, new Dictionary<string, string?> { ["GitHub:Resilience:RetryBaseDelay"] = "00:00:00" });
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await github.DisposeAsync();
    }

    private GitHubApiClient Api => services.GetRequiredService<GitHubApiClient>();

    private IReadOnlyList<RecordedRequest> PullRequests => github.FindRequests("GET", PullPath);

    /// <summary>Answers the pull request route with <paramref name="first"/> responses in turn, then 200; records the fake clock per request.</summary>
    private List<DateTimeOffset> Serve(params FakeResponse[] first)
    {
        var seenAt = new List<DateTimeOffset>();
        github.Respond("GET", PullPath, _ =>
        {
            lock (seenAt)
            {
                seenAt.Add(clock.GetUtcNow());
                return seenAt.Count <= first.Length ? first[seenAt.Count - 1] : FakeResponse.Json("""{"number":1}""");
            }
        });
        return seenAt;
    }

    /// <summary>
    /// Holds the fake clock still until the rate-limit handler has registered its wait (a timer due after a span
    /// <paramref name="isTheWait"/> accepts), then moves it by exactly that span. While a request travels the clock does
    /// not move, so GitHub's reset time, the handler's "now" and the arrival times the fake server records are exact,
    /// however slow the machine, and no per-attempt timeout of the resilience handler can fire on the fake clock.
    /// </summary>
    private async Task<T> AdvanceThroughTheWaitAsync<T>(Task<T> call, Func<TimeSpan, bool> isTheWait)
    {
        var wait = await clock.WaitForTimerAsync(isTheWait, call).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(wait);
        return await call.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A <see cref="FakeTimeProvider"/> that lets a test wait until a timer of a given length has been created.</summary>
    private sealed class TimerWatchingClock() : FakeTimeProvider(TimeProvider.System.GetUtcNow())
    {
        private readonly List<TimeSpan> created = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Registered before it is recorded, so a test that sees it can advance the clock past it.
            var timer = base.CreateTimer(callback, state, dueTime, period);
            lock (created)
            {
                created.Add(dueTime);
            }

            return timer;
        }

        /// <summary>The due time of the first timer <paramref name="match"/> accepts; fails if <paramref name="call"/> ends first.</summary>
        public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, Task call)
        {
            while (true)
            {
                lock (created)
                {
                    foreach (var dueTime in created)
                    {
                        if (match(dueTime))
                        {
                            return dueTime;
                        }
                    }
                }

                if (call.IsCompleted)
                {
                    await call;
                    throw new InvalidOperationException("The call completed without waiting.");
                }

                await Task.Delay(10);
            }
        }
    }

    private static FakeResponse RateLimited(int status, DateTimeOffset reset) =>
        FakeResponse.Error(status, "API rate limit exceeded for installation ID 77.") with
        {
            Headers = new Dictionary<string, string>
            {
                ["x-ratelimit-limit"] = "5000",
                ["x-ratelimit-remaining"] = "0",
                ["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            },
        };

    [Fact]
    public async Task A_403_rate_limit_resetting_in_20_seconds_is_waited_out_then_the_request_succeeds()
    {
        // The reset is 20 s after the request reaches GitHub, in whole epoch seconds, as GitHub sends it.
        var seenAt = new List<DateTimeOffset>();
        github.Respond("GET", PullPath, _ =>
        {
            lock (seenAt)
            {
                seenAt.Add(clock.GetUtcNow());
                return seenAt.Count == 1 ? RateLimited(403, clock.GetUtcNow().AddSeconds(20)) : FakeResponse.Json("""{"number":1}""");
            }
        });

        var response = await AdvanceThroughTheWaitAsync(
            Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None),
            wait => wait > TimeSpan.FromSeconds(19) && wait <= TimeSpan.FromSeconds(21));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, seenAt.Count);
        // The 20 s GitHub asked for (less the sub-second part the epoch-seconds header drops), plus the handler's 1 s margin.
        Assert.InRange(seenAt[1] - seenAt[0], TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(21));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_once_and_not_retried_again_by_the_resilience_handler()
    {
        var seenAt = Serve(FakeResponse.Error(429, "You have exceeded a secondary rate limit.") with { Headers = new Dictionary<string, string> { ["retry-after"] = "5" } });

        var response = await AdvanceThroughTheWaitAsync(
            Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None),
            wait => wait == TimeSpan.FromSeconds(6));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, seenAt.Count);
        Assert.Equal(TimeSpan.FromSeconds(6), seenAt[1] - seenAt[0]);
    }

    [Fact]
    public async Task A_rate_limit_resetting_in_an_hour_fails_at_once_as_transient_naming_the_reset_time()
    {
        var reset = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds());
        Serve(RateLimited(403, reset), RateLimited(403, reset), RateLimited(403, reset));

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Equal(reset, error.RateLimitedUntil);
        Assert.Contains($"rate limited until {reset.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_", error.Message, StringComparison.Ordinal);
        Assert.Single(PullRequests);
    }

    [Fact]
    public async Task A_403_without_rate_limit_headers_is_a_permanent_permission_error_sent_once()
    {
        Serve(FakeResponse.Error(403, "Resource not accessible by integration"), FakeResponse.Error(403, "Resource not accessible by integration"));

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Null(error.RateLimitedUntil);
        Assert.Contains("Resource not accessible by integration", error.Message, StringComparison.Ordinal);
        Assert.Contains("permission", error.Message, StringComparison.Ordinal);
        Assert.Single(PullRequests);
    }

    [Fact]
    public async Task Server_errors_are_retried_three_times_then_fail_as_transient()
    {
        Serve(Enumerable.Repeat(FakeResponse.Error(502, "Server Error"), 10).ToArray());

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Equal(HttpStatusCode.BadGateway, error.Status);
        Assert.Equal(4, PullRequests.Count);
    }

    [Fact]
    public async Task Two_server_errors_then_an_answer_succeed_without_the_caller_noticing()
    {
        Serve(FakeResponse.Error(502, "Server Error"), FakeResponse.Error(503, "Unavailable"));

        var response = await Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(3, PullRequests.Count);
    }

    [Fact]
    public async Task An_unreachable_GitHub_is_a_transient_error_naming_the_request()
    {
        Serve();
        await Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None); // caches the installation token
        await github.DisposeAsync();

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.True(error.IsUnreachable);
        Assert.Contains("GET /repos/octo/app/pulls/1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_304_to_the_conditional_get_returns_the_cached_body_byte_for_byte()
    {
        const string body = "{ \"number\" : 1,\n  \"title\": \"exact   spacing kept\" }";
        github.RespondJson("GET", PullPath, body);

        var first = await Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None);
        var second = await Api.GetAsync(Installation, "repos/octo/app/pulls/1", CancellationToken.None);

        Assert.False(first.NotModified);
        Assert.True(second.NotModified);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(second.Body));
        Assert.Equal([200, 304], PullRequests.Select(r => r.ResponseStatus ?? 0));
        Assert.Null(PullRequests[0].Header("If-None-Match"));
        Assert.NotNull(PullRequests[1].Header("If-None-Match"));
    }
}
