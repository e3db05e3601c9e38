using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Installations;

/// <summary>An installation of the App as GitHub reports it (<c>GET /app/installations/{installation_id}</c>).</summary>
/// <param name="Id">The installation id.</param>
/// <param name="Account">The organisation or user the App is installed on.</param>
/// <param name="RepositorySelection"><c>all</c> or <c>selected</c>.</param>
public sealed record AppInstallation(long Id, string Account, string RepositorySelection);

/// <summary>
/// Asks GitHub, authenticated as the App (JWT), whether an installation exists. The post-install page uses it so that
/// it never claims an installation on the strength of an id in its own URL, which anyone can type.
/// </summary>
public sealed class AppInstallationsClient(HttpClient http, AppJwtFactory jwt, IOptions<GitHubAppOptions> options)
{
    /// <summary>The installation, or null when GitHub says this App has no installation with that id (404).</summary>
    /// <exception cref="GitHubApiException">GitHub answered something else, or a body that is not an installation.</exception>
    public async Task<AppInstallation?> FindAsync(long installationId, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"app/installations/{installationId}");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.GetApiBaseAddress(), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt.GetJwt());
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new GitHubApiException("GET /" + path, response.StatusCode, null);
        }

        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            var root = document.RootElement;
            var account = root.GetProperty("account");
            var login = account.TryGetProperty("login", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()
                : account.TryGetProperty("slug", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            return new AppInstallation(
                root.GetProperty("id").GetInt64(),
                login ?? "(unknown account)",
                root.TryGetProperty("repository_selection", out var selection) ? selection.GetString() ?? "" : "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new GitHubApiException($"GET /{path} returned something other than an installation.");
        }
    }
}
