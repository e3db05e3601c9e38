using System.Net;
using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Setup;

/// <summary>
/// <c>/setup/installed</c>, where GitHub sends the user after installing the App, on the real server with App
/// credentials: it says "installed" only for an installation GitHub confirms (<c>GET /app/installations/{id}</c> as
/// the App), never for whatever id the URL carries.
/// </summary>
public sealed class SetupInstalledTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    /// <summary>GitHub's own example of an installation (its OpenAPI description), for <paramref name="id"/> on <paramref name="account"/>.</summary>
    private static JsonNode Installation(long id, string account)
    {
        var description = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")))!;
        var example = description["components"]!["examples"]!["base-installation"]!["value"]!.DeepClone();
        example["id"] = id;
        example["account"]!["login"] = account;
        example["repository_selection"] = "selected";
        return example;
    }

    private async Task<(HttpStatusCode Status, string Html)> GetAsync(string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_installation_GitHub_confirms_is_named_with_its_account_and_the_next_step()
    {
        github.Respond("GET", "/app/installations/987", _ => FakeResponse.Json(Installation(987, "octo-bank")));

        var (status, html) = await GetAsync("setup/installed?installation_id=987&setup_action=install");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("FinGuard is installed", html, StringComparison.Ordinal);
        Assert.Contains("on <code>octo-bank</code> (installation <code>987</code>, selected repositories)", html, StringComparison.Ordinal);
        Assert.Contains("ruleset", html, StringComparison.Ordinal);
        var request = Assert.Single(github.Requests, r => r.Path == "/app/installations/987");
        Assert.StartsWith("Bearer ", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal(3, request.Headers["Authorization"]["Bearer ".Length..].Split('.').Length); // the App's JWT, not a token
    }

    [Fact]
    public async Task An_id_GitHub_does_not_know_is_not_called_installed()
    {
        github.Respond("GET", "/app/installations/123", _ => FakeResponse.NotFound());

        var (status, html) = await GetAsync("setup/installed?installation_id=123&setup_action=install");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("GitHub has no installation 123 of this App", html, StringComparison.Ordinal);
        Assert.DoesNotContain("FinGuard is installed", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?installation_id=abc")]
    [InlineData("?installation_id=-5")]
    public async Task A_missing_or_malformed_id_is_refused_without_asking_GitHub(string query)
    {
        var (status, html) = await GetAsync("setup/installed" + query);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no valid installation_id", html, StringComparison.Ordinal);
        Assert.DoesNotContain(github.Requests, r => r.Path.StartsWith("/app/installations/", StringComparison.Ordinal) && r.Method == "GET");
    }

    [Fact]
    public async Task When_GitHub_fails_the_page_says_it_could_not_confirm_yet()
    {
        github.Respond("GET", "/app/installations/555", _ => FakeResponse.Error(401, "A JSON web token could not be decoded"));

        var (status, html) = await GetAsync("setup/installed?installation_id=555");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("could not confirm installation 555 with GitHub just now", html, StringComparison.Ordinal);
        Assert.DoesNotContain("FinGuard is installed", html, StringComparison.Ordinal);
    }
}
