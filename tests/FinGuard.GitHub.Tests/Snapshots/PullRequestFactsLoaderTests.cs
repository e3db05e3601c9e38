using System.Security.Cryptography;
using FinGuard.GitHub.Snapshots;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FinGuard.GitHub.Tests.Snapshots;

/// <summary>The loader against the loopback fake GitHub, through the real DI registration (auth, resilience, paging).</summary>
public sealed class PullRequestFactsLoaderTests : IAsyncLifetime
{
    private FakeGitHubServer github = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        using var rsa = RSA.Create(2048);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GitHub:AppId"] = "4242",
            ["GitHub:PrivateKey"] = rsa.ExportRSAPrivateKeyPem(),
            ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
        }).Build();
        services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddFinGuardGitHub(configuration)
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await github.DisposeAsync();
    }

    private PullRequestFactsLoader Loader => services.GetRequiredService<PullRequestFactsLoader>();

    [Fact]
    public async Task Loads_pull_and_three_pages_of_commits_with_one_token_request()
    {
        var scenario = new PullRequestScenario();
        for (var i = 0; i < 250; i++)
        {
            scenario.WithCommit(verified: true);
        }

        github.RespondJson("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}", scenario.PullJson().ToJsonString());
        github.RespondPaged("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}/commits", scenario.CommitPages(perPage: 100));

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);

        Assert.Equal(250, facts.Snapshot.Commits.Length);
        Assert.Equal(scenario.HeadSha, facts.Snapshot.HeadSha);
        Assert.Equal(["pull", "commits", "commits.page2", "commits.page3"], facts.Facts.Select(f => f.Name));
        Assert.Single(github.FindRequests("POST", "/app/installations/{installation_id}/access_tokens"));
        Assert.Equal(5, github.Requests.Count);
        Assert.All(github.Requests.Where(r => r.Path.StartsWith("/repos/", StringComparison.Ordinal)), r => Assert.StartsWith("Bearer ghs_", r.Header("Authorization"), StringComparison.Ordinal));
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task More_than_250_commits_are_not_fetched_and_the_count_is_kept_for_the_control()
    {
        var scenario = new PullRequestScenario { ReportedCommitCount = 300 }.WithCommit(verified: true);
        github.RespondJson("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}", scenario.PullJson().ToJsonString());

        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);

        Assert.Equal(300, facts.Snapshot.ReportedCommitCount);
        Assert.Empty(facts.Snapshot.Commits);
        Assert.Empty(github.FindRequests("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}/commits"));
    }

    [Fact]
    public async Task A_404_from_github_is_a_specific_non_transient_error()
    {
        var error = await Assert.ThrowsAsync<Api.GitHubApiException>(() => Loader.LoadAsync(1, "octo/missing", 9, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Status);
        Assert.False(error.IsTransient);
        Assert.Contains("GET /repos/octo/missing/pulls/9", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_", error.Message, StringComparison.Ordinal);
    }
}
