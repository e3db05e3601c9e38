using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Setup;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Setup;

/// <summary>
/// The manifest flow end to end against the real <c>finguard serve</c> and the fake GitHub: <c>/setup</c> posts the
/// manifest with this server's URLs and a one-time state, the redirect's code is exchanged at
/// <c>POST /app-manifests/{code}/conversions</c>, and the credentials land in a 0600 secrets file that the running
/// server loads.
/// </summary>
public sealed class SetupFlowTests : IAsyncLifetime
{
    private const string WebBase = "https://github.example.test/";
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    private string SecretsPath => Path.Combine(folder, SetupSecretsFile.DefaultFileName);

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(new Dictionary<string, string?>(FinGuardHost.LocalSettings(folder, secret: null))
        {
            ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
            ["GitHub:WebBaseUrl"] = WebBase,
        });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    /// <summary>A browser: its own cookie jar, no automatic redirects.</summary>
    private HttpClient Browser() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    private static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient browser, string path)
    {
        using var response = await browser.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_setup_page_posts_the_manifest_with_this_servers_urls_to_the_users_new_app_page()
    {
        using var browser = Browser();

        using var response = await browser.GetAsync(new Uri("setup", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'nonce-", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("form-action 'self' https://github.example.test", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var action = SetupPage.FormAction(html);
        Assert.StartsWith(WebBase + "settings/apps/new?state=", action, StringComparison.Ordinal);
        var state = SetupPage.State(html);
        Assert.True(state.Length >= 43, "at least 256 bits of state");
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"{SetupEndpoints.StateCookie}={state}", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=lax", StringComparison.OrdinalIgnoreCase));

        var manifest = SetupPage.Manifest(html);
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, AppManifestTemplate.RelativePath)))!.AsObject();
        Assert.Equal(new Uri(host.BaseAddress, "api/github/webhooks").AbsoluteUri, (string?)manifest["hook_attributes"]!["url"]);
        Assert.Equal(new Uri(host.BaseAddress, "setup/callback").AbsoluteUri, (string?)manifest["redirect_url"]);
        Assert.Equal(new Uri(host.BaseAddress, "setup/installed").AbsoluteUri, (string?)manifest["setup_url"]);
        Assert.True(JsonNode.DeepEquals(file["default_permissions"], manifest["default_permissions"]));
        Assert.True(JsonNode.DeepEquals(file["default_events"], manifest["default_events"]));
        Assert.Equal((string?)file["name"], (string?)manifest["name"]);
    }

    [Fact]
    public async Task An_organization_owner_posts_to_the_organizations_new_app_page_and_a_bad_name_is_refused()
    {
        using var browser = Browser();

        var (status, html) = await GetAsync(browser, "setup?owner=organization&org=acme-bank");
        var (badStatus, _) = await GetAsync(browser, "setup?owner=organization&org=-not/valid");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith(WebBase + "organizations/acme-bank/settings/apps/new?state=", SetupPage.FormAction(html), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
    }

    [Fact]
    public async Task The_redirect_code_is_exchanged_and_the_credentials_are_stored_owner_only_and_loaded()
    {
        var conversion = new ManifestConversionResponder(github);
        using var browser = Browser();
        var state = SetupPage.State((await GetAsync(browser, "setup")).Html);

        var (status, html) = await GetAsync(browser, $"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(state)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("424242", SetupPage.Text(html, "app-id"));
        Assert.Contains("https://github.com/apps/finguard-acme/installations/new", html, StringComparison.Ordinal);
        Assert.DoesNotContain(conversion.WebhookSecret, html, StringComparison.Ordinal);
        Assert.DoesNotContain(conversion.ClientSecret, html, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", html, StringComparison.Ordinal);

        // One unauthenticated POST to the documented operation.
        var request = Assert.Single(github.FindRequests("POST", ManifestConversionResponder.Route));
        Assert.Equal($"/app-manifests/{conversion.Code}/conversions", request.Path);
        Assert.Null(request.Header("Authorization"));
        github.AssertAllRequestsExistInOpenApi();

        // The secrets file: owner read/write only, the credentials GitHub returned.
        Assert.True(File.Exists(SecretsPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SecretsPath));
        }

        using (var secrets = JsonDocument.Parse(await File.ReadAllTextAsync(SecretsPath)))
        {
            var gitHub = secrets.RootElement.GetProperty("GitHub");
            Assert.Equal("424242", gitHub.GetProperty("AppId").GetString());
            Assert.Equal(conversion.Pem, gitHub.GetProperty("PrivateKey").GetString());
            Assert.Equal(conversion.WebhookSecret, gitHub.GetProperty("WebhookSecret").GetString());
            Assert.Equal((string?)conversion.App["client_id"], gitHub.GetProperty("ClientId").GetString());
            Assert.Equal(conversion.ClientSecret, gitHub.GetProperty("ClientSecret").GetString());
        }

        Assert.Empty(Directory.EnumerateFiles(folder, "*.tmp"));

        // The running server picks the file up (reload on change): ready, and setup is closed.
        await WaitUntilReadyAsync();
        var (again, closed) = await GetAsync(browser, "setup");
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Contains("already configured", closed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_callback_whose_state_was_not_issued_to_this_browser_is_refused_without_using_the_code()
    {
        var conversion = new ManifestConversionResponder(github);
        using var victim = Browser();
        using var attacker = Browser();
        var attackersState = SetupPage.State((await GetAsync(attacker, "setup")).Html);
        _ = await GetAsync(victim, "setup");

        // The attacker's code and state, replayed in the victim's browser (CSRF), and a made-up state.
        var (planted, _) = await GetAsync(victim, $"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(attackersState)}");
        var (forged, _) = await GetAsync(victim, $"setup/callback?code={conversion.Code}&state=forged");
        var (missing, _) = await GetAsync(victim, $"setup/callback?code={conversion.Code}");

        Assert.Equal(HttpStatusCode.BadRequest, planted);
        Assert.Equal(HttpStatusCode.BadRequest, forged);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Empty(github.FindRequests("POST", ManifestConversionResponder.Route));
        Assert.False(File.Exists(SecretsPath));
    }

    [Fact]
    public async Task A_state_is_used_once_and_a_refused_code_stores_nothing()
    {
        var conversion = new ManifestConversionResponder(github);
        using var browser = Browser();
        var state = SetupPage.State((await GetAsync(browser, "setup")).Html);

        var (refused, page) = await GetAsync(browser, $"setup/callback?code=expired-code&state={Uri.EscapeDataString(state)}");
        var (replayed, _) = await GetAsync(browser, $"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(state)}");

        Assert.Equal(HttpStatusCode.BadGateway, refused);
        Assert.Contains("404", SetupPage.Text(page, "detail"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, replayed);
        Assert.Single(github.FindRequests("POST", ManifestConversionResponder.Route));
        Assert.False(File.Exists(SecretsPath));
    }

    [Fact]
    public async Task An_existing_secrets_file_is_never_overwritten()
    {
        var conversion = new ManifestConversionResponder(github);
        await File.WriteAllTextAsync(SecretsPath, """{"Note":"keep me"}""");
        using var browser = Browser();
        var state = SetupPage.State((await GetAsync(browser, "setup")).Html);

        var (status, page) = await GetAsync(browser, $"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(state)}");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("already exists", SetupPage.Text(page, "detail"), StringComparison.Ordinal);
        Assert.Equal("""{"Note":"keep me"}""", await File.ReadAllTextAsync(SecretsPath));
    }

    [Fact]
    public async Task Without_app_credentials_the_post_install_page_does_not_claim_an_installation()
    {
        using var browser = Browser();

        var (status, html) = await GetAsync(browser, "setup/installed?installation_id=987&setup_action=install");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("Installation not confirmed", html, StringComparison.Ordinal);
        Assert.Contains("credentials (GitHub:AppId, GitHub:PrivateKey) are not configured", html, StringComparison.Ordinal);
        Assert.DoesNotContain("FinGuard is installed", html, StringComparison.Ordinal);
    }

    private async Task WaitUntilReadyAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            using var response = await host.Client.GetAsync(new Uri("readyz", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"/readyz did not turn ready after the secrets file was written: {last}");
    }
}
