using System.Net;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Testing.Deployments;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Processing;

/// <summary>
/// A <c>deployment_protection_rule.requested</c> delivery whose <c>deployment_callback_url</c> is relative: refused and
/// logged with the reason like every other refused shape, the delivery completed, and nothing sent to GitHub.
/// </summary>
public sealed class DeploymentCallbackRefusalTests : IAsyncLifetime, IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        host = await FinGuardHost.StartAsync(FinGuardHost.GitHubSettings(github, folder), builder => builder.Logging.AddProvider(logs));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    [Fact]
    public async Task A_relative_callback_url_is_refused_with_a_logged_reason_and_the_delivery_completes()
    {
        var deployment = new DeploymentScenario("octo-org", $"relative-{Guid.NewGuid():N}"[..22]);
        deployment.ServeOn(github);
        var payload = deployment.ProtectionRulePayload(deployment.CallbackUrl(github.BaseAddress));
        payload["deployment_callback_url"] = $"/repos/{deployment.FullName}/actions/runs/{deployment.RunId}/deployment_protection_rule";
        var deliveryId = Guid.NewGuid().ToString();

        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("deployment_protection_rule", Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        var stored = await Eventually.GetAsync(
            () => inbox.GetAsync(deliveryId, CancellationToken.None).Result is { State: not DeliveryState.Pending } s ? s : null,
            () => "the delivery was not processed");
        Assert.True(stored.State == DeliveryState.Completed, $"{stored.State}: {stored.LastError}");
        var refusal = Assert.Single(logs.Lines, l => l.Contains("Refused the deployment callback", StringComparison.Ordinal));
        Assert.Contains("(a relative URL)", refusal, StringComparison.Ordinal);
        Assert.Contains("the payload has no absolute deployment_callback_url", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(github.Requests, r => r.Path.Contains(deployment.Repo, StringComparison.Ordinal));
    }
}
