using System.ComponentModel.DataAnnotations;
using System.Text;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// GitHub App settings, bound from the <c>GitHub</c> configuration section. The private key and webhook secret
/// are secrets: <see cref="ToString"/> only says whether they are set.
/// </summary>
public sealed class GitHubAppOptions : IValidatableObject
{
    public const string SectionName = "GitHub";

    public const string DefaultApiBaseUrl = "https://api.github.com/";

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

        if (!string.IsNullOrWhiteSpace(AppId) && string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath))
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
