using System.Text;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Hosting;

/// <summary>
/// A 404 that is an answer — no policy file on the base branch, no organisation policy, a reviewer who is not a
/// collaborator — is not a warning at the default level; a 404 FinGuard did not expect still is.
/// </summary>
public sealed class ExpectedNotFoundLogTests : IAsyncLifetime, IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.GitHubSettings(github, folder);
        settings.Remove("Logging:LogLevel:Default"); // the default level, as an operator runs it
        host = await FinGuardHost.StartAsync(settings, builder => builder.Logging.AddProvider(logs));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    private List<string> Warnings() => [.. logs.Lines.Where(l => l.StartsWith("Warning ", StringComparison.Ordinal) || l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal))];

    [Fact]
    public async Task No_policy_file_and_an_unknown_reviewer_are_decided_without_a_warning()
    {
        var pr = new PullRequestScenario("octo-org", $"quiet-{Guid.NewGuid():N}"[..20]).WithCommit(verified: true).WithTwoIndependentApprovals()
            .WithRole("reviewer-carol", null); // not a collaborator: GitHub answers 404
        pr.ServeOn(github);
        var body = Encoding.UTF8.GetBytes(pr.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, ack.StatusCode);
        }

        await Eventually.GetAsync(
            () => github.CheckRuns.LastOrDefault(r => (string?)r["head_sha"] == pr.HeadSha && (string?)r["status"] == "completed"),
            () => "the pull request was not decided");

        Assert.Contains(github.Requests, r => r.ResponseStatus == 404 && r.Path.EndsWith("/contents/.github/finguard.yml", StringComparison.Ordinal));
        Assert.Contains(github.Requests, r => r.ResponseStatus == 404 && r.Path.EndsWith("/collaborators/reviewer-carol/permission", StringComparison.Ordinal));
        Assert.True(Warnings().Count == 0, string.Join(Environment.NewLine, Warnings()));
        Assert.Contains(logs.Lines, l => l.StartsWith("Information FinGuard.Processing.PullRequestEvaluationService:", StringComparison.Ordinal)); // the capture sees this level
    }

    [Fact]
    public async Task A_pull_request_GitHub_does_not_know_is_still_a_warning()
    {
        var pr = new PullRequestScenario("octo-org", $"gone-{Guid.NewGuid():N}"[..20]).WithCommit(verified: true).WithTwoIndependentApprovals();
        // Not served: GET /repos/{o}/{r}/pulls/{n} answers 404, which FinGuard does not expect for a pull request it was told about.
        var body = Encoding.UTF8.GetBytes(pr.ReviewWebhookPayload().ToJsonString());
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request_review", body)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, ack.StatusCode);
        }

        var warning = await Eventually.GetAsync(
            () => Warnings().FirstOrDefault(l => l.Contains("Processing failed", StringComparison.Ordinal)),
            () => "the failed delivery was not logged as a warning: " + string.Join(Environment.NewLine, logs.Lines));
        Assert.Contains("404", warning, StringComparison.Ordinal);
    }
}
