using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// Says at start, once per setting, which GitHub settings are Key Vault references that did not resolve (the value is
/// never logged). <c>/readyz</c> reports the same while the process runs.
/// </summary>
internal sealed partial class KeyVaultReferenceStartupLog(IOptionsMonitor<GitHubAppOptions> options, ILogger<KeyVaultReferenceStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var setting in options.CurrentValue.UnresolvedKeyVaultReferences)
        {
            LogUnresolved(GitHubAppOptions.UnresolvedKeyVaultReferenceMessage(setting));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "GitHub App configuration: {Problem}")]
    private partial void LogUnresolved(string problem);
}
