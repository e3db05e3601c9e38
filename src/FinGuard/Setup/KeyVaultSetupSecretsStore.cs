using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;

namespace FinGuard.Setup;

/// <summary>
/// Stores the new App's private key and webhook secret as Key Vault secrets under the names the Function App's Key
/// Vault references use (<c>infra/main.bicep</c>: <see cref="PrivateKeySecretName"/> for <c>GitHub__PrivateKey</c>,
/// <see cref="WebhookSecretName"/> for <c>GitHub__WebhookSecret</c>), so nothing is written to disk. The App id is not
/// a secret and is not stored here: it is the <c>githubAppId</c> deployment parameter (<c>GitHub__AppId</c>), which the
/// completion page shows. The identity (<c>DefaultAzureCredential</c>: <c>az login</c> locally) needs
/// <em>Key Vault Secrets Officer</em> on the vault (<c>vaultOperatorObjectId</c> in the parameter file). Setting a secret
/// that exists adds a new version; Key Vault keeps the previous ones.
/// </summary>
public sealed class KeyVaultSetupSecretsStore(SecretClient client) : ISetupSecretsStore
{
    public const string PrivateKeySecretName = "github-app-private-key";
    public const string WebhookSecretName = "github-webhook-secret";

    public string Location => $"Key Vault {client.VaultUri.AbsoluteUri} (secrets {PrivateKeySecretName}, {WebhookSecretName})";

    /// <summary>The store for <c>Setup:KeyVaultUri</c>, authenticated with <see cref="DefaultAzureCredential"/>.</summary>
    public static KeyVaultSetupSecretsStore Create(Uri vaultUri) => new(new SecretClient(vaultUri, new DefaultAzureCredential()));

    public async Task WriteAsync(AppCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        await SetAsync(PrivateKeySecretName, credentials.PrivateKeyPem, "application/x-pem-file", cancellationToken);
        if (credentials.WebhookSecret is not null)
        {
            await SetAsync(WebhookSecretName, credentials.WebhookSecret, "text/plain", cancellationToken);
        }
    }

    private async Task SetAsync(string name, string value, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            await client.SetSecretAsync(new KeyVaultSecret(name, value) { Properties = { ContentType = contentType } }, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            // Status and error code only: the service's message may echo request details.
            var hint = ex.Status == 403
                ? " The signed-in identity needs the 'Key Vault Secrets Officer' role on the vault (vaultOperatorObjectId in the parameter file)."
                : "";
            throw new SetupException($"Key Vault {client.VaultUri.AbsoluteUri} refused to store the secret '{name}' ({ex.Status} {ex.ErrorCode}).{hint}", ex);
        }
        catch (AuthenticationFailedException ex)
        {
            throw new SetupException(
                $"Could not sign in to Key Vault {client.VaultUri.AbsoluteUri} to store the secret '{name}': sign in with 'az login' (or another DefaultAzureCredential source) first.", ex);
        }
    }
}
