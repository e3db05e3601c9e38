using System.Net;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.Testing.FakeGitHub;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.GitHub.Tests.Auth;

public sealed class InstallationTokenProviderTests
{
    private const string TokenRoute = "/app/installations/{installation_id}/access_tokens";
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetTokenAsync_posts_to_access_tokens_with_the_app_jwt_and_GitHub_headers()
    {
        await using var harness = await Harness.StartAsync();

        var token = await harness.Provider.GetTokenAsync(42);

        Assert.Equal("ghs_fake_42_1", token);
        var request = Assert.Single(harness.Server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/app/installations/42/access_tokens", request.Path);
        Assert.Equal("Bearer " + harness.JwtFactory.GetJwt(), request.Header("Authorization"));
        Assert.Equal("application/vnd.github+json", request.Header("Accept"));
        Assert.Equal("2022-11-28", request.Header("X-GitHub-Api-Version"));
        Assert.Equal("FinGuard", request.Header("User-Agent"));
        Assert.Equal(TokenRoute, request.OpenApiTemplate);
        harness.Server.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task GetTokenAsync_reuses_the_cached_token_without_another_request()
    {
        await using var harness = await Harness.StartAsync();

        var first = await harness.Provider.GetTokenAsync(42);
        harness.Time.Advance(TimeSpan.FromMinutes(30));
        var second = await harness.Provider.GetTokenAsync(42);

        Assert.Equal(first, second);
        Assert.Single(harness.Server.Requests);
    }

    [Fact]
    public async Task GetTokenAsync_refreshes_once_less_than_five_minutes_remain_before_expires_at()
    {
        await using var harness = await Harness.StartAsync();
        var first = await harness.Provider.GetTokenAsync(42);

        // The fake server's tokens expire one hour after issue: refresh at expires_at - 5 min = +55 min.
        harness.Time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromSeconds(1));
        var beforeThreshold = await harness.Provider.GetTokenAsync(42);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var refreshed = await harness.Provider.GetTokenAsync(42);
        var cachedAgain = await harness.Provider.GetTokenAsync(42);

        Assert.Equal(first, beforeThreshold);
        Assert.Equal("ghs_fake_42_2", refreshed);
        Assert.Equal(refreshed, cachedAgain);
        Assert.Equal(2, harness.Server.Requests.Count);
        // The JWT (9 min life) had long expired; the refresh used a new one, valid at the fake "now".
        var jwts = harness.Server.Requests.Select(r => r.Header("Authorization")).ToList();
        Assert.NotEqual(jwts[0], jwts[1]);
    }

    [Fact]
    public async Task GetTokenAsync_caches_separately_per_installation()
    {
        await using var harness = await Harness.StartAsync();

        var one = await harness.Provider.GetTokenAsync(1);
        var two = await harness.Provider.GetTokenAsync(2);
        var oneAgain = await harness.Provider.GetTokenAsync(1);
        var twoAgain = await harness.Provider.GetTokenAsync(2);

        Assert.Equal("ghs_fake_1_1", one);
        Assert.Equal("ghs_fake_2_2", two);
        Assert.Equal(one, oneAgain);
        Assert.Equal(two, twoAgain);
        Assert.Equal(["/app/installations/1/access_tokens", "/app/installations/2/access_tokens"], harness.Server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task Concurrent_callers_for_one_installation_share_a_single_request()
    {
        await using var harness = await Harness.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Server.Respond("POST", TokenRoute, async (request, cancellationToken) =>
        {
            await release.Task.WaitAsync(cancellationToken);
            return FakeResponse.Json("""{"token":"ghs_shared","expires_at":"2025-06-02T10:30:00Z"}""", 201);
        });

        var callers = Enumerable.Range(0, 8).Select(_ => harness.Provider.GetTokenAsync(42).AsTask()).ToList();
        await WaitUntilAsync(() => harness.Server.Requests.Count >= 1);
        await Task.Delay(100);
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        release.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.All(tokens, t => Assert.Equal("ghs_shared", t));
        Assert.Single(harness.Server.Requests);
    }

    [Fact]
    public async Task Typed_client_instances_sharing_one_cache_share_the_token()
    {
        await using var harness = await Harness.StartAsync();
        using var otherClient = new HttpClient();
        var otherProvider = harness.CreateProvider(otherClient);

        var first = await harness.Provider.GetTokenAsync(42);
        var second = await otherProvider.GetTokenAsync(42);

        Assert.Equal(first, second);
        Assert.Single(harness.Server.Requests);
    }

    [Theory]
    [InlineData(401, "Bad credentials")]
    [InlineData(404, "Integration not found")]
    public async Task GitHub_refusal_throws_GitHubAuthException_with_status_and_installation_but_no_credentials(int status, string gitHubMessage)
    {
        await using var harness = await Harness.StartAsync();
        harness.Server.RespondJson("POST", TokenRoute, $$"""{"message":"{{gitHubMessage}}","documentation_url":"https://docs.github.com/rest"}""", status);

        var error = await Assert.ThrowsAsync<GitHubAuthException>(() => harness.Provider.GetTokenAsync(42).AsTask());

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(42, error.InstallationId);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Contains("installation 42", error.Message, StringComparison.Ordinal);
        Assert.Contains(gitHubMessage, error.Message, StringComparison.Ordinal);
        var jwt = harness.Server.Requests.Single().Header("Authorization")!["Bearer ".Length..];
        Assert.DoesNotContain(jwt, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(jwt.Split('.')[2], error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_is_not_cached_and_the_next_call_retries()
    {
        await using var harness = await Harness.StartAsync();
        var refuse = true;
        harness.Server.Respond("POST", TokenRoute, _ => refuse
            ? FakeResponse.Error(401, "Bad credentials")
            : FakeResponse.Json("""{"token":"ghs_ok","expires_at":"2025-06-02T10:30:00Z"}""", 201));

        await Assert.ThrowsAsync<GitHubAuthException>(() => harness.Provider.GetTokenAsync(42).AsTask());
        refuse = false;
        var token = await harness.Provider.GetTokenAsync(42);

        Assert.Equal("ghs_ok", token);
        Assert.Equal(2, harness.Server.Requests.Count);
    }

    [Fact]
    public async Task A_success_without_token_or_expiry_throws_without_echoing_the_body()
    {
        await using var harness = await Harness.StartAsync();
        harness.Server.RespondJson("POST", TokenRoute, """{"token":"ghs_secret_but_no_expiry"}""", 201);

        var error = await Assert.ThrowsAsync<GitHubAuthException>(() => harness.Provider.GetTokenAsync(42).AsTask());

        Assert.Contains("expires_at", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_secret_but_no_expiry", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalidate_forces_a_new_token_on_the_next_call()
    {
        await using var harness = await Harness.StartAsync();
        var first = await harness.Provider.GetTokenAsync(42);

        harness.Provider.Invalidate(42);
        var second = await harness.Provider.GetTokenAsync(42);

        Assert.NotEqual(first, second);
        Assert.Equal(2, harness.Server.Requests.Count);
    }

    [Fact]
    public async Task Enterprise_style_base_url_with_api_v3_is_supported()
    {
        await using var harness = await Harness.StartAsync(server => new Uri(server.BaseAddress, "api/v3"));

        var token = await harness.Provider.GetTokenAsync(42);

        Assert.Equal("ghs_fake_42_1", token);
        var request = Assert.Single(harness.Server.Requests);
        Assert.Equal("/app/installations/42/access_tokens", request.Path);
        Assert.EndsWith("/api/v3/", request.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_GitHub_throws_a_transient_GitHubApiException_naming_the_token_request()
    {
        int port;
        await using (var stopped = await FakeGitHubServer.StartAsync())
        {
            port = stopped.BaseAddress.Port;
        }

        await using var harness = await Harness.StartAsync(_ => new Uri($"http://127.0.0.1:{port}/"));

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => harness.Provider.GetTokenAsync(42).AsTask());

        Assert.True(error.IsTransient);
        Assert.True(error.IsUnreachable);
        Assert.Equal("POST /app/installations/42/access_tokens", error.Request);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData(502, "Server Error")]
    [InlineData(503, "Service Unavailable")]
    [InlineData(429, "You have exceeded a secondary rate limit.")]
    public async Task A_GitHub_outage_answer_is_a_transient_GitHubApiException_not_an_auth_failure(int status, string gitHubMessage)
    {
        await using var harness = await Harness.StartAsync();
        harness.Server.RespondJson("POST", TokenRoute, $$"""{"message":"{{gitHubMessage}}"}""", status);

        var error = await Assert.ThrowsAsync<GitHubApiException>(() => harness.Provider.GetTokenAsync(42).AsTask());

        Assert.True(error.IsTransient);
        Assert.Equal((HttpStatusCode)status, error.Status);
        Assert.Contains("POST /app/installations/42/access_tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains(gitHubMessage, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_403_without_rate_limit_headers_stays_a_permanent_GitHubAuthException()
    {
        await using var harness = await Harness.StartAsync();
        harness.Server.RespondJson("POST", TokenRoute, """{"message":"This installation has been suspended"}""", 403);

        var error = await Assert.ThrowsAsync<GitHubAuthException>(() => harness.Provider.GetTokenAsync(42).AsTask());

        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class Harness : IAsyncDisposable
    {
        private readonly HttpClient _httpClient;
        private readonly InstallationTokenCache _cache = new();
        private readonly IOptions<GitHubAppOptions> _options;

        private Harness(FakeGitHubServer server, FakeTimeProvider time, Uri apiBaseUrl)
        {
            Server = server;
            Time = time;
            _options = Options.Create(new GitHubAppOptions
            {
                AppId = "123456",
                PrivateKey = TestAppKey.PrivateKeyPem,
                ApiBaseUrl = apiBaseUrl,
            });
            JwtFactory = new AppJwtFactory(_options, time);
            _httpClient = new HttpClient();
            Provider = CreateProvider(_httpClient);
        }

        public FakeGitHubServer Server { get; }

        public FakeTimeProvider Time { get; }

        public AppJwtFactory JwtFactory { get; }

        public InstallationTokenProvider Provider { get; }

        public static async Task<Harness> StartAsync(Func<FakeGitHubServer, Uri>? apiBaseUrl = null)
        {
            var time = new FakeTimeProvider(Start);
            var server = await FakeGitHubServer.StartAsync(time);
            return new Harness(server, time, apiBaseUrl?.Invoke(server) ?? server.BaseAddress);
        }

        public InstallationTokenProvider CreateProvider(HttpClient httpClient) =>
            new(httpClient, JwtFactory, _cache, _options, Time, NullLogger<InstallationTokenProvider>.Instance);

        public async ValueTask DisposeAsync()
        {
            _httpClient.Dispose();
            JwtFactory.Dispose();
            await Server.DisposeAsync();
        }
    }
}
