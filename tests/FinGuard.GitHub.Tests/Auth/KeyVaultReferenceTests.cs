using FinGuard.GitHub.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Tests.Auth;

/// <summary>
/// In Azure, <c>GitHub__PrivateKey</c> and <c>GitHub__WebhookSecret</c> are Key Vault references; when App Service cannot
/// resolve one it passes the literal <c>@Microsoft.KeyVault(...)</c> text. FinGuard treats it as unset and names the
/// setting and the fix, never the value.
/// </summary>
public sealed class KeyVaultReferenceTests
{
    private const string PrivateKeyReference = "@Microsoft.KeyVault(VaultName=kv-finguard-prod;SecretName=github-app-private-key)";
    private const string WebhookSecretReference = "@Microsoft.KeyVault(SecretUri=https://kv-finguard-prod.vault.azure.net/secrets/github-webhook-secret/)";

    private static GitHubAppOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddFinGuardGitHub(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<GitHubAppOptions>>().Value;
    }

    [Fact]
    public void Unresolved_references_are_treated_as_unset_and_listed_by_setting_name()
    {
        var options = Bind(new()
        {
            ["GitHub:AppId"] = "123456",
            ["GitHub:PrivateKey"] = PrivateKeyReference,
            ["GitHub:WebhookSecret"] = WebhookSecretReference,
        });

        Assert.Equal("123456", options.AppId);
        Assert.Null(options.PrivateKey);
        Assert.Null(options.WebhookSecret);
        Assert.False(options.HasAppCredentials);
        Assert.Equal(["GitHub:PrivateKey", "GitHub:WebhookSecret"], options.UnresolvedKeyVaultReferences);
        Assert.Equal(
            "the Key Vault reference for GitHub:PrivateKey did not resolve: check the Function App's managed identity has 'Key Vault Secrets User' on the vault "
            + "and that the secret exists (the app's Environment variables blade shows each reference's status); GitHub:PrivateKey is treated as not set",
            options.UnresolvedKeyVaultReferenceMessageFor("GitHub:PrivateKey"));
        Assert.Null(options.UnresolvedKeyVaultReferenceMessageFor("GitHub:AppId"));
        Assert.DoesNotContain("KeyVault(", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("PrivateKey = (not set)", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_private_key_does_not_fail_validation_so_FinGuard_starts_and_readyz_can_say_why()
    {
        // A plain missing key with an App id is a validation error; an unresolved reference is reported, not refused.
        var options = Bind(new() { ["GitHub:AppId"] = "123456", ["GitHub:PrivateKey"] = PrivateKeyReference });

        Assert.Equal(["GitHub:PrivateKey"], options.UnresolvedKeyVaultReferences);
        Assert.Throws<OptionsValidationException>(() => Bind(new() { ["GitHub:AppId"] = "123456" }));
    }

    [Theory]
    [InlineData("@Microsoft.KeyVault(VaultName=v;SecretName=s)", true)]
    [InlineData("  @microsoft.keyvault(SecretUri=https://v.vault.azure.net/secrets/s)", true)]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----", false)]
    [InlineData("a-secret-that-mentions-@Microsoft.KeyVault(", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_value_that_starts_with_the_reference_syntax_is_an_unresolved_reference(string? value, bool expected) =>
        Assert.Equal(expected, GitHubAppOptions.IsUnresolvedKeyVaultReference(value));

    [Fact]
    public void Resolved_values_are_kept()
    {
        var options = Bind(new() { ["GitHub:AppId"] = "1", ["GitHub:PrivateKey"] = TestAppKey.PrivateKeyPem, ["GitHub:WebhookSecret"] = "resolved-secret" });

        Assert.Empty(options.UnresolvedKeyVaultReferences);
        Assert.Equal("resolved-secret", options.WebhookSecret);
        Assert.True(options.HasAppCredentials);
    }

    [Fact]
    public void Loading_the_private_key_names_the_unresolved_reference_and_never_quotes_it()
    {
        var options = Bind(new() { ["GitHub:AppId"] = "123456", ["GitHub:PrivateKey"] = PrivateKeyReference });

        var error = Assert.Throws<GitHubAuthException>(() => GitHubAppPrivateKey.Load(options));

        Assert.StartsWith("No GitHub App private key: the Key Vault reference for GitHub:PrivateKey did not resolve: check the Function App's managed identity has 'Key Vault Secrets User' on the vault", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-finguard-prod", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reloaded_options_are_checked_again()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GitHub:WebhookSecret"] = WebhookSecretReference }).Build();
        using var provider = new ServiceCollection().AddLogging().AddFinGuardGitHub(configuration).BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<GitHubAppOptions>>();
        Assert.Equal(["GitHub:WebhookSecret"], monitor.CurrentValue.UnresolvedKeyVaultReferences);

        configuration["GitHub:WebhookSecret"] = "now-resolved";
        configuration.Reload();

        Assert.Equal("now-resolved", monitor.CurrentValue.WebhookSecret);
        Assert.Empty(monitor.CurrentValue.UnresolvedKeyVaultReferences);
    }
}
