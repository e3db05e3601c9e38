namespace FinGuard.Setup;

/// <summary>
/// Where the setup flow stores a new App's credentials: the local secrets file (<see cref="SetupSecretsFile"/>, the
/// default) or Azure Key Vault (<see cref="KeyVaultSetupSecretsStore"/>, when <c>Setup:KeyVaultUri</c> is set).
/// </summary>
public interface ISetupSecretsStore
{
    /// <summary>Where the credentials go, for the completion page and the log (a path or a vault URI; never a secret).</summary>
    string Location { get; }

    /// <summary>Stores the credentials. Throws <see cref="SetupException"/> with a message safe to show when it cannot.</summary>
    Task WriteAsync(AppCredentials credentials, CancellationToken cancellationToken);
}
