using System.Net;
using System.Text.RegularExpressions;
using FinGuard.Setup;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace FinGuard.Tests.Setup;

/// <summary>
/// With <c>Setup:KeyVaultUri</c>, setup stores the private key and webhook secret as Key Vault secrets under the names
/// infra/main.bicep's Key Vault references read — tested against <see cref="FakeKeyVault"/>, which answers the first
/// request with Key Vault's 401 challenge, as the service does.
/// </summary>
public sealed partial class KeyVaultSetupSecretsStoreTests : IAsyncLifetime
{
    private static readonly AppCredentials Credentials = new(
        "424242", "finguard-acme", "FinGuard (acme)", "https://github.com/apps/finguard-acme", "acme", "Iv1.0123456789abcdef", "client-secret-not-stored",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n", "whsec-0123456789");

    private FakeKeyVault vault = null!;

    public async Task InitializeAsync() => vault = await FakeKeyVault.StartAsync();

    public async Task DisposeAsync() => await vault.DisposeAsync();

    [Fact]
    public async Task The_private_key_and_webhook_secret_are_set_under_the_names_the_bicep_key_vault_references_read()
    {
        var credential = new StubTokenCredential();
        var store = new KeyVaultSetupSecretsStore(vault.Client(credential));

        await store.WriteAsync(Credentials, CancellationToken.None);

        Assert.Equal([KeyVaultSetupSecretsStore.PrivateKeySecretName, KeyVaultSetupSecretsStore.WebhookSecretName], vault.Secrets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Credentials.PrivateKeyPem, vault.Secrets["github-app-private-key"].Value);
        Assert.Equal("application/x-pem-file", vault.Secrets["github-app-private-key"].ContentType);
        Assert.Equal(Credentials.WebhookSecret, vault.Secrets["github-webhook-secret"].Value);
        Assert.All(vault.Secrets.Values, r => Assert.Equal($"Bearer {StubTokenCredential.Token}", r.Authorization));
        Assert.All(vault.Requests, r => Assert.Matches(ApiVersion(), r.ApiVersion ?? ""));
        Assert.DoesNotContain(vault.Requests, r => r.Value == Credentials.ClientSecret || r.Value == Credentials.AppId);

        // Challenge first (no token, no secret sent), then the token for the vault's resource and the challenge's tenant.
        var first = vault.Requests.First();
        Assert.Null(first.Authorization);
        Assert.Null(first.Value);
        var token = Assert.Single(credential.Requests.DistinctBy(r => string.Join(' ', r.Scopes)));
        Assert.Equal(["https://vault.azure.net/.default"], token.Scopes);
        Assert.Equal(FakeKeyVault.Tenant, token.TenantId);
    }

    [Fact]
    public void The_secret_names_are_the_ones_infra_main_bicep_references()
    {
        var bicep = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "main.bicep"));

        Assert.Contains($"var privateKeySecretName = '{KeyVaultSetupSecretsStore.PrivateKeySecretName}'", bicep, StringComparison.Ordinal);
        Assert.Contains($"var webhookSecretName = '{KeyVaultSetupSecretsStore.WebhookSecretName}'", bicep, StringComparison.Ordinal);
        Assert.Contains("GitHub__PrivateKey: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${privateKeySecretName})'", bicep, StringComparison.Ordinal);
        Assert.Contains("GitHub__WebhookSecret: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${webhookSecretName})'", bicep, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_by_the_vault_is_a_setup_error_that_names_the_role_and_never_the_secret()
    {
        vault.Forbid = true;
        var store = new KeyVaultSetupSecretsStore(vault.Client(new StubTokenCredential()));

        var error = await Assert.ThrowsAsync<SetupException>(() => store.WriteAsync(Credentials, CancellationToken.None));

        Assert.Equal(
            "Key Vault https://finguard-test.vault.azure.net/ refused to store the secret 'github-app-private-key' (403 Forbidden). "
            + "The signed-in identity needs the 'Key Vault Secrets Officer' role on the vault (vaultOperatorObjectId in the parameter file).",
            error.Message);
        Assert.Empty(vault.Secrets);
    }

    [Fact]
    public async Task Setup_KeyVaultUri_selects_the_key_vault_store_and_the_setup_flow_stores_there_instead_of_the_file()
    {
        var folder = TempDirectory.Create();
        await using var github = await FakeGitHubServer.StartAsync();
        var credential = new StubTokenCredential();
        try
        {
            var settings = new Dictionary<string, string?>(FinGuardHost.LocalSettings(folder, secret: null))
            {
                ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
                ["GitHub:WebBaseUrl"] = "https://github.example.test/",
                ["Setup:KeyVaultUri"] = FakeKeyVault.VaultUri.AbsoluteUri,
            };
            await using (var configured = await FinGuardHost.StartAsync(settings))
            {
                var selected = configured.Services.GetRequiredService<ISetupSecretsStore>();
                Assert.IsType<KeyVaultSetupSecretsStore>(selected);
                Assert.Equal("Key Vault https://finguard-test.vault.azure.net/ (secrets github-app-private-key, github-webhook-secret)", selected.Location);
            }

            // The same host with the store pointed at the fake vault (DefaultAzureCredential replaced by the stub).
            await using var host = await FinGuardHost.StartAsync(settings, b => b.Services.AddSingleton<ISetupSecretsStore>(new KeyVaultSetupSecretsStore(vault.Client(credential))));
            var conversion = new ManifestConversionResponder(github);
            using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
            var state = SetupPage.State(await browser.GetStringAsync(new Uri("setup", UriKind.Relative)));

            using var response = await browser.GetAsync(new Uri($"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(state)}", UriKind.Relative));
            var html = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("424242", SetupPage.Text(html, "app-id"));
            Assert.Contains("FINGUARD_GITHUB_APP_ID=424242", html, StringComparison.Ordinal);
            Assert.Contains("github-app-private-key", html, StringComparison.Ordinal);
            Assert.DoesNotContain(conversion.WebhookSecret, html, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", html, StringComparison.Ordinal);
            Assert.Equal(conversion.Pem, vault.Secrets["github-app-private-key"].Value);
            Assert.Equal(conversion.WebhookSecret, vault.Secrets["github-webhook-secret"].Value);
            Assert.False(File.Exists(Path.Combine(folder, SetupSecretsFile.DefaultFileName)));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public void Setup_KeyVaultUri_must_be_https()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Setup:KeyVaultUri"] = "http://kv.example.test/" }).Build();
        using var provider = new ServiceCollection().AddLogging().AddFinGuardSetup(configuration).BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<ISetupSecretsStore>());

        Assert.Contains("Setup:KeyVaultUri must be an absolute https URL", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")]
    private static partial Regex ApiVersion();
}
