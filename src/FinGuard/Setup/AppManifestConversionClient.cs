using System.Globalization;
using System.Net;
using System.Text.Json;

namespace FinGuard.Setup;

/// <summary>
/// <c>POST {ApiBaseUrl}app-manifests/{code}/conversions</c>: exchanges the one-time code GitHub puts on the manifest
/// flow's redirect for the new App's id, private key, webhook secret and OAuth client credentials. The call is
/// unauthenticated (the code is the credential, valid once, for one hour) and is not retried: a retried POST of a
/// consumed code can only fail.
/// </summary>
public sealed class AppManifestConversionClient(HttpClient http)
{
    public async Task<AppCredentials> ConvertAsync(string code, CancellationToken cancellationToken)
    {
        if (!IsWellFormedCode(code))
        {
            throw new SetupException("The manifest code on the redirect is missing or malformed.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"app-manifests/{Uri.EscapeDataString(code)}/conversions");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SetupException($"Could not reach GitHub at {http.BaseAddress}: {ex.Message}", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new SetupException(
                    $"GitHub refused to convert the manifest code ({(int)response.StatusCode} {response.ReasonPhrase}): {GitHubMessage(body)}. "
                    + "A code is valid once and for one hour; start again from /setup.");
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                var app = document.RootElement;
                return new AppCredentials(
                    AppId: app.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture),
                    Slug: RequiredString(app, "slug"),
                    Name: OptionalString(app, "name"),
                    HtmlUrl: OptionalString(app, "html_url"),
                    Owner: app.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.Object ? OptionalString(owner, "login") : null,
                    ClientId: RequiredString(app, "client_id"),
                    ClientSecret: RequiredString(app, "client_secret"),
                    PrivateKeyPem: RequiredString(app, "pem"),
                    WebhookSecret: OptionalString(app, "webhook_secret"));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // Deliberately without the inner exception or the body: the body holds the private key.
                throw new SetupException("GitHub's answer to the manifest conversion is not the documented App object (id, slug, client_id, client_secret, pem).");
            }
        }
    }

    /// <summary>GitHub's codes are short opaque tokens; anything else is refused before it reaches a URL.</summary>
    public static bool IsWellFormedCode(string? code) =>
        !string.IsNullOrEmpty(code) && code.Length <= 200 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string RequiredString(JsonElement element, string name) =>
        element.GetProperty(name).GetString() is { Length: > 0 } value ? value : throw new InvalidOperationException(name);

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string GitHubMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                var text = message.GetString()!;
                return text.Length <= 300 ? text : text[..300];
            }
        }
        catch (JsonException)
        {
        }

        return "no error message";
    }
}
