using System.Security.Cryptography;
using FinGuard.Core.Results;
using FinGuard.GitHub.Checks;
using FinGuard.Testing.FakeGitHub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FinGuard.GitHub.Tests.Checks;

/// <summary>The publisher against the fake GitHub: one run per head SHA, found by external_id or remembered.</summary>
public sealed class CheckRunPublisherTests : IAsyncLifetime
{
    private const long Installation = 77;
    private const string Repository = "octo/app";
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Lookup = "/repos/{owner}/{repo}/commits/{ref}/check-runs";

    private FakeGitHubServer github = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        services = FakeGitHubServices.Create(github);
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await github.DisposeAsync();
    }

    private static EvaluationResult Result(ControlStatus status) => EvaluationResult.FromControls(
        [new ControlResult { Id = "signed-commits", Name = "Signed commits", Status = status, Summary = status.ToString() }]);

    private static Task<long> PublishAsync(CheckRunPublisher publisher, ControlStatus status) =>
        publisher.PublishAsync(Installation, Repository, Sha, Result(status), "octo/app/000000000001.json", CancellationToken.None);

    [Fact]
    public async Task A_second_publish_updates_the_remembered_run_without_a_lookup_and_a_new_publisher_finds_it_by_external_id()
    {
        var first = services.GetRequiredService<CheckRunPublisher>();
        var id = await PublishAsync(first, ControlStatus.Fail);
        Assert.Single(github.FindRequests("GET", Lookup));

        var again = await PublishAsync(services.GetRequiredService<CheckRunPublisher>(), ControlStatus.Pass);

        Assert.Equal(id, again);
        Assert.Single(github.FindRequests("GET", Lookup));
        var run = Assert.Single(github.CheckRuns);
        Assert.Equal("success", (string?)run["conclusion"]);

        // Another process (nothing remembered) finds the same run by its external_id.
        await using var other = new ServiceCollection().AddLogging().AddFinGuardGitHub(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GitHub:AppId"] = "4242",
            ["GitHub:PrivateKey"] = RSA.Create(2048).ExportRSAPrivateKeyPem(),
            ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
        }).Build()).BuildServiceProvider();
        Assert.Equal(id, await PublishAsync(other.GetRequiredService<CheckRunPublisher>(), ControlStatus.Fail));
        Assert.Equal(2, github.FindRequests("GET", Lookup).Count);
        Assert.Single(github.CheckRuns);
    }

    [Fact]
    public async Task A_remembered_run_github_no_longer_has_is_looked_up_again_and_replaced()
    {
        var publisher = services.GetRequiredService<CheckRunPublisher>();
        var id = await PublishAsync(publisher, ControlStatus.Fail);

        // The run is gone on GitHub's side (the suite was deleted with the branch and re-pushed, say).
        github.Respond("PATCH", $"/repos/{Repository}/check-runs/{id}", _ => FakeResponse.NotFound());
        github.RespondJson("GET", $"/repos/{Repository}/commits/{Sha}/check-runs", """{"total_count":0,"check_runs":[]}""");

        var replaced = await PublishAsync(publisher, ControlStatus.Pass);

        Assert.NotEqual(id, replaced);
        Assert.Equal(2, github.FindRequests("POST", "/repos/{owner}/{repo}/check-runs").Count);
        Assert.Equal("success", (string?)github.CheckRuns.Single(r => (long)r["id"]! == replaced)["conclusion"]);
        Assert.True(services.GetRequiredService<CheckRunIds>().TryGet(Repository, Sha, out var remembered));
        Assert.Equal(replaced, remembered);
    }
}
