using System.Net;
using System.Text;
using System.Text.Json;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Health;

/// <summary>
/// The host as Azure starts it when its Key Vault references did not resolve (App Service passes the reference text as
/// the value): it starts, <c>/readyz</c> and the webhook's 503 name the setting and the fix, the start-up log says it
/// once per setting, and the reference text (vault and secret names) appears nowhere.
/// </summary>
public sealed class KeyVaultReferenceReadinessTests : IDisposable
{
    private const string VaultName = "kv-finguard-7q2x";
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose()
    {
        logs.Dispose();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Unresolved_references_are_reported_by_readyz_the_webhook_and_the_log_without_the_reference_text()
    {
        var settings = FinGuardHost.LocalSettings(folder, secret: $"@Microsoft.KeyVault(VaultName={VaultName};SecretName=github-webhook-secret)");
        settings["GitHub:AppId"] = "123456";
        settings["GitHub:PrivateKey"] = $"@Microsoft.KeyVault(VaultName={VaultName};SecretName=github-app-private-key)";
        await using var host = await FinGuardHost.StartAsync(settings, b => b.Logging.AddProvider(logs));

        using var ready = await host.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        var readyBody = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonDocument.Parse(readyBody).RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("detail").GetString()!);
        Assert.StartsWith("the Key Vault reference for GitHub:WebhookSecret did not resolve: check the Function App's managed identity has 'Key Vault Secrets User' on the vault", checks["webhook-secret"], StringComparison.Ordinal);
        Assert.StartsWith("the Key Vault reference for GitHub:PrivateKey did not resolve: check the Function App's managed identity has 'Key Vault Secrets User' on the vault", checks["github-app"], StringComparison.Ordinal);

        var body = Encoding.UTF8.GetBytes("""{"zen":"Keep it logically awesome.","hook_id":1}""");
        using var delivery = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, secret: "anything"));
        var deliveryBody = await delivery.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, delivery.StatusCode);
        Assert.Contains("the Key Vault reference for GitHub:WebhookSecret did not resolve", deliveryBody, StringComparison.Ordinal);

        var lines = logs.Lines.ToList();
        Assert.Contains(lines, l => l.StartsWith("Error FinGuard.GitHub.Auth.KeyVaultReferenceStartupLog: GitHub App configuration: the Key Vault reference for GitHub:PrivateKey did not resolve", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Error FinGuard.GitHub.Auth.KeyVaultReferenceStartupLog: GitHub App configuration: the Key Vault reference for GitHub:WebhookSecret did not resolve", StringComparison.Ordinal));
        foreach (var text in lines.Append(readyBody).Append(deliveryBody))
        {
            Assert.DoesNotContain(VaultName, text, StringComparison.Ordinal);
            Assert.DoesNotContain("@Microsoft.KeyVault", text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
