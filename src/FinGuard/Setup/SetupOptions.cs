using System.ComponentModel.DataAnnotations;

namespace FinGuard.Setup;

/// <summary>
/// Settings of the first-run setup flow (<c>/setup</c>), bound from the <c>Setup</c> section; the GitHub web
/// address comes from <c>GitHub:WebBaseUrl</c>.
/// </summary>
public sealed class SetupOptions : IValidatableObject
{
    public const string SectionName = "Setup";

    /// <summary>Where the App credentials are written; default <c>&lt;Storage:LocalPath&gt;/secrets.json</c>. Loaded as configuration at start.</summary>
    public string? SecretsPath { get; set; }

    /// <summary>
    /// A Key Vault (e.g. <c>https://kv-finguard.vault.azure.net/</c>, the <c>keyVaultName</c> output of infra/main.bicep):
    /// when set, setup stores the private key and webhook secret there as <c>github-app-private-key</c> and
    /// <c>github-webhook-secret</c> (the names the Function App's Key Vault references use) instead of writing
    /// <see cref="SecretsPath"/>. Signs in with <c>DefaultAzureCredential</c> (<c>az login</c>); needs Key Vault Secrets Officer.
    /// </summary>
    public Uri? KeyVaultUri { get; set; }

    /// <summary>
    /// The public base URL GitHub reaches FinGuard on (webhooks, post-install page), e.g. the Function App URL or a
    /// tunnel. Default: the address the setup page was opened on.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// The exact webhook URL to register, when it is not <see cref="PublicUrl"/> + <c>/api/github/webhooks</c> (e.g. a
    /// smee.io channel that forwards to a local <c>finguard serve</c>).
    /// </summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Serve <c>/setup</c> to clients other than the local machine. Off by default: whoever completes setup chooses the App FinGuard trusts.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>
    /// GitHub's web address (<c>GitHub:WebBaseUrl</c>): <c>https://github.com/</c>, or <c>https://HOST/</c> on GHES. Default:
    /// derived from <c>GitHub:ApiBaseUrl</c>.
    /// </summary>
    public Uri? WebBaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, uri) in new[] { (nameof(PublicUrl), PublicUrl), (nameof(WebhookUrl), WebhookUrl), (nameof(WebBaseUrl), WebBaseUrl) })
        {
            if (uri is not null && (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
            {
                yield return new ValidationResult($"{SectionName}:{name} must be an absolute http(s) URL.", [name]);
            }
        }

        if (KeyVaultUri is not null && (!KeyVaultUri.IsAbsoluteUri || KeyVaultUri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(KeyVaultUri)} must be an absolute https URL, e.g. https://NAME.vault.azure.net/.", [nameof(KeyVaultUri)]);
        }
    }

    /// <summary>GitHub's web root for an API root: api.github.com → github.com; <c>https://HOST/api/v3/</c> → <c>https://HOST/</c>.</summary>
    public static Uri WebBaseFor(Uri apiBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(apiBaseUrl);
        return string.Equals(apiBaseUrl.Host, "api.github.com", StringComparison.OrdinalIgnoreCase)
            ? new Uri("https://github.com/")
            : new Uri(apiBaseUrl.GetLeftPart(UriPartial.Authority) + "/");
    }
}
