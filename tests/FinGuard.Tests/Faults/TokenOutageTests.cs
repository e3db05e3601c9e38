using System.Net;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Processing;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Faults;

/// <summary>
/// GitHub failing at the very first call a delivery makes — creating the installation token — on the real host with
/// the local store. An outage there is the same outage as anywhere else: the delivery is retried, the check says
/// "could not reach GitHub; retrying" once GitHub takes writes, and the pull request is decided when GitHub is back.
/// A refusal that retrying cannot fix (401: wrong App id or key) still fails the delivery at once.
/// </summary>
public sealed class TokenOutageTests : IAsyncLifetime
{
    private const string TokenRoute = "/app/installations/{installation_id}/access_tokens";
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.GitHubSettings(github, folder);
        settings["GitHub:Resilience:RetryBaseDelay"] = "00:00:00.050";
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    private IDeliveryInbox Inbox => host.Services.GetRequiredService<IDeliveryInbox>();

    private async Task<(PullRequestScenario Scenario, string DeliveryId)> DeliverAsync(int number)
    {
        var scenario = new PullRequestScenario("octo-org", $"tokens-{Guid.NewGuid():N}"[..20], number).WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        var deliveryId = Guid.NewGuid().ToString();
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
        using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId));
        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        return (scenario, deliveryId);
    }

    [Fact]
    public async Task Token_endpoint_answering_502_for_a_whole_attempt_is_retried_and_the_pull_request_then_passes()
    {
        // 4 × 502: one delivery attempt's token request with the client's 3 retries. The in-progress check that
        // attempt publishes gets the fifth, and the retried attempt decides.
        var tokenRequests = 0;
        github.Respond("POST", TokenRoute, request => Interlocked.Increment(ref tokenRequests) <= 4
            ? FakeResponse.Error(502, "Server Error")
            : FakeResponse.Json($$"""{"token":"ghs_outage_{{request.RouteValues["installation_id"]}}","expires_at":"{{TimeProvider.System.GetUtcNow().AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}""", 201));

        var (scenario, deliveryId) = await DeliverAsync(31);

        var stored = await Eventually.GetAsync(
            () => Inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not DeliveryState.Pending } s ? s : null,
            () => $"the delivery was not processed; token requests: {Volatile.Read(ref tokenRequests)}",
            TimeSpan.FromSeconds(60));
        Assert.Equal(DeliveryState.Completed, stored.State);
        Assert.Equal(1, stored.Attempts);

        var writes = github.Requests.Where(r => r.Path.StartsWith($"/repos/{scenario.FullName}/check-runs", StringComparison.Ordinal) && r.Method is "POST" or "PATCH")
            .Select(r => r.BodyJson()!).ToList();
        Assert.Equal(PullRequestEvaluationService.UnreachableTitle, (string?)writes[0]["output"]!["title"]);
        Assert.Contains("POST /app/installations/", (string?)writes[0]["output"]!["summary"], StringComparison.Ordinal);
        Assert.Equal("success", (string?)writes[^1]["conclusion"]);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task Token_endpoint_answering_401_fails_the_delivery_at_once_as_before()
    {
        github.Respond("POST", TokenRoute, _ => FakeResponse.Error(401, "A JSON web token could not be decoded"));

        var (_, deliveryId) = await DeliverAsync(32);

        var stored = await Eventually.GetAsync(
            () => Inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not DeliveryState.Pending } s ? s : null,
            () => "the delivery was not processed",
            TimeSpan.FromSeconds(30));
        Assert.Equal(DeliveryState.Failed, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Contains("GitHubAuthException", stored.LastError, StringComparison.Ordinal);
        Assert.Single(github.FindRequests("POST", TokenRoute));
    }
}
