using System.ComponentModel.DataAnnotations;
using System.Text;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// GitHub App settings, bound from the <c>GitHub</c> configuration section. The private key and webhook secret
/// are secrets: <see cref="ToString"/> only says whether they are set.
/// <para>
/// In Azure these settings are Key Vault references (<c>@Microsoft.KeyVault(VaultName=...;SecretName=...)</c>). When App
/// Service cannot resolve one it passes the reference text itself as the value; <see cref="ClearUnresolvedKeyVaultReferences"/>
/// (run after binding) treats such a value as unset and records the setting in <see cref="UnresolvedKeyVaultReferences"/>,
/// so <c>/readyz</c>, the webhook endpoint and the start-up log can say exactly what to fix — never quoting the value.
/// </para>
/// </summary>
public sealed class GitHubAppOptions : IValidatableObject
{
    public const string SectionName = "GitHub";

    public const string DefaultApiBaseUrl = "https://api.github.com/";

    /// <summary>How an App Service / Functions Key Vault reference starts; left as the value when it did not resolve.</summary>
    public const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <summary>The App's id or client id (either is accepted as the JWT <c>iss</c>).</summary>
    public string? AppId { get; set; }

    /// <summary>The App's private key as PEM text (PKCS#1 as GitHub issues it, or PKCS#8). Escaped <c>\n</c> is accepted.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Path to a PEM file holding the private key; used when <see cref="PrivateKey"/> is empty.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The secret GitHub signs webhook deliveries with.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>REST API root, <c>https://api.github.com/</c> or <c>https://HOST/api/v3/</c> on GHES.</summary>
    [Required]
    public Uri ApiBaseUrl { get; set; } = new(DefaultApiBaseUrl);

    /// <summary>
    /// Settings (<c>GitHub:PrivateKey</c>, ...) whose configured value was an unresolved Key Vault reference, now treated
    /// as unset. Empty when every reference resolved.
    /// </summary>
    public IReadOnlyList<string> UnresolvedKeyVaultReferences { get; private set; } = [];

    /// <summary>True when <paramref name="value"/> is a Key Vault reference's text rather than the secret it refers to.</summary>
    public static bool IsUnresolvedKeyVaultReference(string? value) =>
        value is not null && value.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>What to tell the operator about an unresolved Key Vault reference (names the setting, never the value).</summary>
    public static string UnresolvedKeyVaultReferenceMessage(string setting) =>
        $"the Key Vault reference for {setting} did not resolve: check the Function App's managed identity has 'Key Vault Secrets User' "
        + "on the vault and that the secret exists (the app's Environment variables blade shows each reference's status); "
        + $"{setting} is treated as not set";

    /// <summary>The unresolved-reference message for <paramref name="setting"/>, or null when its reference resolved (or it has none).</summary>
    public string? UnresolvedKeyVaultReferenceMessageFor(string setting) =>
        UnresolvedKeyVaultReferences.Contains(setting, StringComparer.Ordinal) ? UnresolvedKeyVaultReferenceMessage(setting) : null;

    /// <summary>
    /// Treats every setting whose value is an unresolved Key Vault reference as unset and lists it in
    /// <see cref="UnresolvedKeyVaultReferences"/>. Registered as a post-configure step, so it runs on every (re)load.
    /// </summary>
    public void ClearUnresolvedKeyVaultReferences()
    {
        var unresolved = new List<string>();
        AppId = Clear(AppId, nameof(AppId));
        PrivateKey = Clear(PrivateKey, nameof(PrivateKey));
        PrivateKeyPath = Clear(PrivateKeyPath, nameof(PrivateKeyPath));
        WebhookSecret = Clear(WebhookSecret, nameof(WebhookSecret));
        UnresolvedKeyVaultReferences = unresolved;

        string? Clear(string? value, string name)
        {
            if (!IsUnresolvedKeyVaultReference(value))
            {
                return value;
            }

            unresolved.Add($"{SectionName}:{name}");
            return null;
        }
    }

    /// <summary>True when an App id and a private key (inline or by path) are configured.</summary>
    public bool HasAppCredentials =>
        !string.IsNullOrWhiteSpace(AppId)
        && (!string.IsNullOrWhiteSpace(PrivateKey) || !string.IsNullOrWhiteSpace(PrivateKeyPath));

    /// <summary><see cref="ApiBaseUrl"/> with a trailing '/', so relative paths such as <c>repos/o/r</c> append to it.</summary>
    public Uri GetApiBaseAddress()
    {
        var text = ApiBaseUrl.AbsoluteUri;
        return text.EndsWith('/') ? ApiBaseUrl : new Uri(text + "/");
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiBaseUrl is null || !ApiBaseUrl.IsAbsoluteUri || (ApiBaseUrl.Scheme != Uri.UriSchemeHttps && ApiBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(ApiBaseUrl)} must be an absolute http(s) URL.", [nameof(ApiBaseUrl)]);
        }

        // An unresolved Key Vault reference for the key is not a reason to refuse to start: FinGuard starts, and /readyz
        // and the start-up log name the reference (a restart after fixing the role assignment resolves it).
        if (!string.IsNullOrWhiteSpace(AppId) && string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath)
            && UnresolvedKeyVaultReferenceMessageFor($"{SectionName}:{nameof(PrivateKey)}") is null
            && UnresolvedKeyVaultReferenceMessageFor($"{SectionName}:{nameof(PrivateKeyPath)}") is null)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(AppId)} is set but neither {SectionName}:{nameof(PrivateKey)} nor {SectionName}:{nameof(PrivateKeyPath)} is.",
                [nameof(PrivateKey), nameof(PrivateKeyPath)]);
        }
    }

    /// <summary>Describes the settings without revealing <see cref="PrivateKey"/> or <see cref="WebhookSecret"/>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(nameof(GitHubAppOptions)).Append(" { ");
        text.Append(nameof(AppId)).Append(" = ").Append(AppId ?? "(not set)");
        text.Append(", ").Append(nameof(PrivateKey)).Append(" = ").Append(Redacted(PrivateKey));
        text.Append(", ").Append(nameof(PrivateKeyPath)).Append(" = ").Append(PrivateKeyPath ?? "(not set)");
        text.Append(", ").Append(nameof(WebhookSecret)).Append(" = ").Append(Redacted(WebhookSecret));
        text.Append(", ").Append(nameof(ApiBaseUrl)).Append(" = ").Append(ApiBaseUrl?.AbsoluteUri ?? "(not set)");
        return text.Append(" }").ToString();
    }

    private static string Redacted(string? secret) => string.IsNullOrEmpty(secret) ? "(not set)" : "(set, redacted)";
}
