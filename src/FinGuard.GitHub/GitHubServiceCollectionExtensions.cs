using System.Net.Http.Headers;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Snapshots;
using FinGuard.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub;

public static class GitHubServiceCollectionExtensions
{
    public const string ApiVersion = "2022-11-28";

    /// <summary>
    /// GitHub App options, App JWT and installation tokens, the REST client (with retries that honour
    /// <c>Retry-After</c>, exponential back-off with jitter and timeouts), the snapshot loader and the check-run publisher.
    /// Every GitHub client counts its requests and keeps the remaining rate limit (<see cref="GitHubTelemetryHandler"/>).
    /// </summary>
    public static IServiceCollection AddFinGuardGitHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GitHubAppOptions>()
            .Bind(configuration.GetSection(GitHubAppOptions.SectionName))
            .PostConfigure(o => o.ClearUnresolvedKeyVaultReferences())
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<KeyVaultReferenceStartupLog>();

        services.AddFinGuardTelemetry();
        services.AddTransient<GitHubTelemetryHandler>();
        services.AddSingleton<AppJwtFactory>();
        services.AddSingleton<InstallationTokenCache>();
        services.AddOptions<GitHubResilienceOptions>()
            .Bind(configuration.GetSection(GitHubResilienceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddTransient<GitHubRateLimitHandler>();
        services.AddSingleton(_ => new GitHubResponseCache());
        AddResilience(services.AddHttpClient<InstallationTokenProvider>(ConfigureGitHubClient));
        AddResilience(services.AddHttpClient<GitHubApiClient>(ConfigureGitHubClient));
        AddResilience(services.AddHttpClient<Deliveries.HookDeliveriesClient>(ConfigureGitHubClient));
        AddResilience(services.AddHttpClient<Installations.AppInstallationsClient>(ConfigureGitHubClient));
        services.AddSingleton<Scans.ArtifactCache>();
        services.AddTransient<Scans.ScanFactsLoader>();
        services.AddTransient<PullRequestFactsLoader>();
        services.AddSingleton<CheckRunIds>();
        services.AddTransient<CheckRunPublisher>();
        return services;
    }

    /// <summary>
    /// Outermost, <see cref="GitHubRateLimitHandler"/> waits out short rate limits. Inside it, the standard resilience
    /// handler (total and per-attempt timeouts, circuit breaker, retry with exponential back-off and jitter) retries
    /// connection failures, timeouts, 408 and 5xx — <see cref="GitHubResilienceOptions.MaxRetries"/> times — but not
    /// 429 or 403: a rate limit is the outer handler's, a plain 403 is a permission problem that retrying cannot fix.
    /// </summary>
    private static void AddResilience(IHttpClientBuilder client)
    {
        // IHttpClientFactory's own request logging (four Information lines and a log scope per request) is replaced by
        // GitHubTelemetryHandler's metrics and OpenTelemetry's HTTP client traces.
        client.RemoveAllLoggers();
        client.AddHttpMessageHandler<GitHubRateLimitHandler>();
        client.AddStandardResilienceHandler().Configure((options, services) =>
        {
            var resilience = services.GetRequiredService<IOptions<GitHubResilienceOptions>>().Value;
            options.Retry.ShouldHandle = args => ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested && IsRetryable(args.Outcome));
            options.Retry.MaxRetryAttempts = Math.Max(1, resilience.MaxRetries);
            options.Retry.Delay = resilience.RetryBaseDelay;
            options.Retry.MaxDelay = TimeSpan.FromSeconds(30);
            options.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested && IsRetryable(args.Outcome));
            if (resilience.MaxRetries == 0)
            {
                options.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
            }
        });

        // Innermost, so every attempt (retries included) is counted and its rate-limit headers read.
        client.AddHttpMessageHandler<GitHubTelemetryHandler>();
    }

    // The standard predicate (connection failures, timeouts, 408, 5xx, 429) without 429: rate limits are GitHubRateLimitHandler's.
    private static bool IsRetryable(Polly.Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode != System.Net.HttpStatusCode.TooManyRequests
        && HttpClientResiliencePredicates.IsTransient(outcome);

    private static readonly string Version = typeof(GitHubServiceCollectionExtensions).Assembly.GetName().Version?.ToString(3) ?? "0";

    private static void ConfigureGitHubClient(IServiceProvider services, HttpClient http)
    {
        var options = services.GetRequiredService<IOptions<GitHubAppOptions>>().Value;
        http.BaseAddress = options.GetApiBaseAddress();
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("FinGuard", Version));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", ApiVersion);
    }
}
