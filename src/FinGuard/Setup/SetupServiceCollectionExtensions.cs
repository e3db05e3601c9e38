using System.Net.Http.Headers;
using FinGuard.GitHub;
using FinGuard.GitHub.Auth;
using Microsoft.Extensions.Options;

namespace FinGuard.Setup;

public static class SetupServiceCollectionExtensions
{
    /// <summary>Setup options (with <c>GitHub:WebBaseUrl</c>), the state store, the manifest, the conversion client, where the secrets go (the secrets file, or Key Vault with <c>Setup:KeyVaultUri</c>) and the start-up hint.</summary>
    public static IServiceCollection AddFinGuardSetup(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SetupOptions>()
            .Bind(configuration.GetSection(SetupOptions.SectionName))
            .Configure(o =>
            {
                if (Uri.TryCreate(configuration[$"{GitHubAppOptions.SectionName}:WebBaseUrl"], UriKind.Absolute, out var web))
                {
                    o.WebBaseUrl = web;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<SetupStateStore>();
        services.AddSingleton(new AppManifestTemplateSource());
        services.AddSingleton(sp => new SetupSecretsFile(SetupSecretsFile.ResolvePath(sp.GetRequiredService<IConfiguration>())));
        services.AddSingleton<ISetupSecretsStore>(sp => sp.GetRequiredService<IOptions<SetupOptions>>().Value.KeyVaultUri is { } vault
            ? KeyVaultSetupSecretsStore.Create(vault)
            : sp.GetRequiredService<SetupSecretsFile>());
        services.AddHttpClient<AppManifestConversionClient>((sp, http) =>
        {
            http.BaseAddress = sp.GetRequiredService<IOptionsMonitor<GitHubAppOptions>>().CurrentValue.GetApiBaseAddress();
            http.Timeout = TimeSpan.FromSeconds(30);
            http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("FinGuard", Hosting.FinGuardApp.Version));
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
            http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", GitHubServiceCollectionExtensions.ApiVersion);
        });
        services.AddHostedService<SetupStartupHint>();
        return services;
    }
}

/// <summary>Says at start, once, that FinGuard has no App credentials and where to register it.</summary>
internal sealed partial class SetupStartupHint(IOptionsMonitor<GitHubAppOptions> gitHub, ILogger<SetupStartupHint> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!gitHub.CurrentValue.HasAppCredentials)
        {
            LogNoCredentials(SetupEndpoints.Path);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "No GitHub App credentials are configured: open {SetupPath} on this server to register FinGuard as a GitHub App (see docs/install.md)")]
    private partial void LogNoCredentials(string setupPath);
}
