using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Installations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FinGuard.Setup;

/// <summary>
/// First-run setup: registers FinGuard as a GitHub App through GitHub's manifest flow and stores the App's
/// credentials.
/// <list type="bullet">
/// <item><c>GET /setup</c>: a page that posts <c>app-manifest/finguard.json</c> (with this server's URLs filled in) to
/// GitHub's "new App" page for the user or an organisation, with a one-time <c>state</c>.</item>
/// <item><c>GET /setup/callback?code&amp;state</c>: GitHub's redirect after the App was created: checks the state,
/// exchanges the code (<c>POST app-manifests/{code}/conversions</c>) and writes id, private key, webhook secret and
/// OAuth client credentials to the secrets file (0600), which is loaded as configuration — or, with
/// <c>Setup:KeyVaultUri</c>, stores the private key and webhook secret in Key Vault (<see cref="KeyVaultSetupSecretsStore"/>).</item>
/// <item><c>GET /setup/installed</c>: where GitHub sends the user after installing the App (the manifest's <c>setup_url</c>).</item>
/// </list>
/// <c>/setup</c> and <c>/setup/callback</c> work only while no App credentials are configured, and by default only for
/// requests from the local machine (<c>Setup:AllowRemote</c>). Secrets are never logged or shown.
/// </summary>
public static partial class SetupEndpoints
{
    public const string Path = "/setup";
    public const string CallbackPath = "/setup/callback";
    public const string InstalledPath = "/setup/installed";
    public const string StateCookie = "finguard-setup-state";

    public static IEndpointRouteBuilder MapSetupEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, Show);
        endpoints.MapGet(CallbackPath, CallbackAsync);
        endpoints.MapGet(InstalledPath, Installed);
        return endpoints;
    }

    internal static ContentHttpResult Show(
        HttpContext context,
        IOptionsMonitor<GitHubAppOptions> gitHub,
        IOptionsMonitor<SetupOptions> setup,
        SetupStateStore states,
        AppManifestTemplateSource manifests,
        string? owner,
        string? org)
    {
        var options = setup.CurrentValue;
        if (Refuse(context, gitHub.CurrentValue, options) is { } refused)
        {
            return refused;
        }

        var organization = string.Equals(owner, "organization", StringComparison.Ordinal);
        if (organization && !string.IsNullOrEmpty(org) && !IsOrganizationName(org))
        {
            return Html(context, StatusCodes.Status400BadRequest, SetupPages.Message(Nonce(context), "Not an organization name",
                "An organization name is 1 to 39 letters, digits or single hyphens, and does not start or end with a hyphen.", retry: true));
        }

        AppManifestTemplate template;
        try
        {
            template = manifests.Get();
        }
        catch (SetupException ex)
        {
            return Html(context, StatusCodes.Status500InternalServerError, SetupPages.Message(Nonce(context), "Setup is unavailable", ex.Message, retry: false));
        }

        var setupBase = RequestBase(context);
        var publicBase = options.PublicUrl is { } configured ? WithTrailingSlash(configured) : setupBase;
        var webBase = WebBase(gitHub.CurrentValue, options);
        var state = states.Issue();
        context.Response.Cookies.Append(StateCookie, state, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = Path,
            MaxAge = SetupStateStore.Lifetime,
            IsEssential = true,
        });

        var manifest = template.Build(publicBase, setupBase, options.WebhookUrl);
        var action = NewAppUrl(webBase, organization ? org : null, state);
        return Html(context, StatusCodes.Status200OK, SetupPages.Register(Nonce(context), new SetupPages.RegisterModel(
            ManifestJson: manifest.ToJsonString(),
            ManifestPretty: manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            Action: action,
            WebBase: webBase.AbsoluteUri,
            State: state,
            Organization: organization,
            OrganizationName: organization ? org ?? "" : "",
            HookUrl: manifest["hook_attributes"]?["url"]?.GetValue<string>() ?? "",
            PublicUrlConfigured: options.PublicUrl is not null || options.WebhookUrl is not null)), webBase);
    }

    internal static async Task<ContentHttpResult> CallbackAsync(
        HttpContext context,
        IOptionsMonitor<GitHubAppOptions> gitHub,
        IOptionsMonitor<SetupOptions> setup,
        SetupStateStore states,
        AppManifestConversionClient conversion,
        ISetupSecretsStore secrets,
        ILogger<SetupFlow> logger,
        string? code,
        string? state,
        CancellationToken cancellationToken)
    {
        if (Refuse(context, gitHub.CurrentValue, setup.CurrentValue) is { } refused)
        {
            return refused;
        }

        var cookie = context.Request.Cookies[StateCookie];
        context.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = Path });
        if (string.IsNullOrEmpty(state) || string.IsNullOrEmpty(cookie)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(cookie))
            || !states.TryConsume(state))
        {
            LogStateRejected(logger);
            return Html(context, StatusCodes.Status400BadRequest, SetupPages.Message(Nonce(context), "This setup link is not valid here",
                "The state on GitHub's redirect does not match a setup started from this browser in the last hour, so the App code was not used. Start again from /setup in the same browser.",
                retry: true));
        }

        AppCredentials credentials;
        try
        {
            credentials = await conversion.ConvertAsync(code ?? "", cancellationToken);
            await secrets.WriteAsync(credentials, cancellationToken);
        }
        catch (SetupException ex)
        {
            LogSetupFailed(logger, ex.Message);
            return Html(context, StatusCodes.Status502BadGateway, SetupPages.Message(Nonce(context), "Setup did not complete", ex.Message, retry: true));
        }

        LogSetupCompleted(logger, credentials.AppId, credentials.Slug, credentials.Owner ?? "(unknown)", secrets.Location);
        return Html(context, StatusCodes.Status200OK, secrets is KeyVaultSetupSecretsStore
            ? SetupPages.CompletedInKeyVault(Nonce(context), credentials, secrets.Location)
            : SetupPages.Completed(Nonce(context), credentials, secrets.Location));
    }

    /// <summary>
    /// The page GitHub sends the user to after an installation. The id in the URL is only a claim (anyone can type it),
    /// so the page says "installed" only after GitHub, asked as the App, confirms that installation exists.
    /// </summary>
    internal static async Task<ContentHttpResult> Installed(
        HttpContext context,
        IOptionsMonitor<GitHubAppOptions> gitHub,
        AppInstallationsClient installations,
        string? installation_id,
        string? setup_action)
    {
        var nonce = Nonce(context);
        if (!long.TryParse(installation_id, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return Html(context, StatusCodes.Status400BadRequest, SetupPages.Message(
                nonce,
                "Installation not confirmed",
                "This address has no valid installation_id. Install the App from its page on GitHub (Settings, Developer settings, GitHub Apps, Install App); GitHub then brings you back here.",
                retry: false));
        }

        if (!gitHub.CurrentValue.HasAppCredentials)
        {
            return Html(context, StatusCodes.Status503ServiceUnavailable, SetupPages.Message(
                nonce,
                "Installation not confirmed",
                $"FinGuard cannot ask GitHub about installation {id}: the App's credentials (GitHub:AppId, GitHub:PrivateKey) are not configured on this server. Finish setup at {Path}, or configure them (docs/install.md), then reload this page.",
                retry: false));
        }

        try
        {
            var installation = await installations.FindAsync(id, context.RequestAborted);
            return installation is null
                ? Html(context, StatusCodes.Status404NotFound, SetupPages.Message(
                    nonce,
                    "Installation not found",
                    $"GitHub has no installation {id} of this App: it was not installed, or it was uninstalled. Install the App from its page on GitHub and follow the link back here.",
                    retry: false))
                : Html(context, StatusCodes.Status200OK, SetupPages.Installed(nonce, installation, setup_action));
        }
        catch (Exception ex) when (ex is GitHubApiException or GitHubAuthException or HttpRequestException or TimeoutException
            or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            return Html(context, StatusCodes.Status502BadGateway, SetupPages.Message(
                nonce,
                "Installation not confirmed yet",
                $"FinGuard could not confirm installation {id} with GitHub just now ({ex.Message}). Reload this page in a minute.",
                retry: false));
        }
    }

    /// <summary>The GitHub page a manifest is posted to: the user's or an organisation's "new GitHub App" page, with the state.</summary>
    public static string NewAppUrl(Uri webBase, string? organization, string state)
    {
        ArgumentNullException.ThrowIfNull(webBase);
        var path = string.IsNullOrEmpty(organization)
            ? "settings/apps/new"
            : $"organizations/{Uri.EscapeDataString(organization)}/settings/apps/new";
        return new Uri(webBase, path).AbsoluteUri + "?state=" + Uri.EscapeDataString(state);
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")]
    private static partial Regex OrganizationName();

    public static bool IsOrganizationName(string name) => OrganizationName().IsMatch(name);

    private static ContentHttpResult? Refuse(HttpContext context, GitHubAppOptions gitHub, SetupOptions options)
    {
        if (!options.AllowRemote && !IsLocal(context))
        {
            return Html(context, StatusCodes.Status403Forbidden, SetupPages.Message(Nonce(context), "Setup is only served to this machine",
                "Whoever completes setup chooses the GitHub App FinGuard trusts, so /setup answers only requests from the local machine. Open it on the server (or through an SSH tunnel), or set Setup:AllowRemote=true for the duration of the setup.",
                retry: false));
        }

        if (gitHub.HasAppCredentials)
        {
            return Html(context, StatusCodes.Status409Conflict, SetupPages.AlreadyConfigured(Nonce(context), gitHub.AppId!));
        }

        return null;
    }

    private static bool IsLocal(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote
        && (IPAddress.IsLoopback(remote) || remote.Equals(context.Connection.LocalIpAddress));

    private static Uri RequestBase(HttpContext context) =>
        new($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/");

    private static Uri WithTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private static Uri WebBase(GitHubAppOptions gitHub, SetupOptions options) =>
        WithTrailingSlash(options.WebBaseUrl ?? SetupOptions.WebBaseFor(gitHub.ApiBaseUrl));

    private static string Nonce(HttpContext context)
    {
        if (context.Items[StateCookie + ":nonce"] is string existing)
        {
            return existing;
        }

        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[StateCookie + ":nonce"] = nonce;
        return nonce;
    }

    private static ContentHttpResult Html(HttpContext context, int statusCode, string html, Uri? formTarget = null)
    {
        var nonce = Nonce(context);
        var headers = context.Response.Headers;
        var formAction = formTarget is null ? "'self'" : $"'self' {formTarget.GetLeftPart(UriPartial.Authority)}";
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; form-action {formAction}; base-uri 'none'; frame-ancestors 'none'";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Setup complete: GitHub App {AppId} ({Slug}) owned by {Owner}; credentials stored in {SecretsLocation}")]
    private static partial void LogSetupCompleted(ILogger logger, string appId, string slug, string owner, string secretsLocation);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Setup callback rejected: the state does not match a setup started from this browser")]
    private static partial void LogStateRejected(ILogger logger);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Setup did not complete: {Problem}")]
    private static partial void LogSetupFailed(ILogger logger, string problem);
}

/// <summary>Logger category of the setup flow.</summary>
public sealed class SetupFlow;

/// <summary>Loads the App manifest once (the file ships with the build).</summary>
public sealed class AppManifestTemplateSource
{
    private readonly Lazy<AppManifestTemplate> template;

    public AppManifestTemplateSource(string? path = null) => template = new(() => AppManifestTemplate.Load(path));

    public AppManifestTemplate Get() => template.Value;
}
