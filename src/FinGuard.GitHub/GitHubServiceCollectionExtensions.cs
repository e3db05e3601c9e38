using System.Net.Http.Headers;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Snapshots;
using FinGuard.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
        AddGitHubHttpClient<InstallationTokenProvider>(services);
        AddGitHubHttpClient<GitHubApiClient>(services);
        AddGitHubHttpClient<Deliveries.HookDeliveriesClient>(services);
        services.AddTransient<Scans.ScanFactsLoader>();
        services.AddTransient<PullRequestFactsLoader>();
        services.AddTransient<CheckRunPublisher>();
        return services;
    }

    /// <summary>
    /// A typed GitHub client: resilience outside, then the telemetry handler, so that every attempt (retries included)
    /// is counted and its rate-limit headers read.
    /// </summary>
    private static void AddGitHubHttpClient<TClient>(IServiceCollection services)
        where TClient : class
    {
        var client = services.AddHttpClient<TClient>(ConfigureGitHubClient);
        client.AddStandardResilienceHandler();
        client.AddHttpMessageHandler<GitHubTelemetryHandler>();
    }

    private static void ConfigureGitHubClient(IServiceProvider services, HttpClient http)
    {
        var options = services.GetRequiredService<IOptions<GitHubAppOptions>>().Value;
        http.BaseAddress = options.GetApiBaseAddress();
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("FinGuard", typeof(GitHubServiceCollectionExtensions).Assembly.GetName().Version?.ToString(3) ?? "0"));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", ApiVersion);
    }
}
