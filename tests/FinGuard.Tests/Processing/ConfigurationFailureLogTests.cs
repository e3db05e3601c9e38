using System.Net;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Processing;

/// <summary>
/// FinGuard without a GitHub App id: every pull request delivery fails for the same configuration reason. The cause
/// and its remedy are logged once; each delivery then gets one line, without a stack trace.
/// </summary>
public sealed class ConfigurationFailureLogTests : IAsyncLifetime, IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FinGuardHost host = null!;

    public async Task InitializeAsync() =>
        host = await FinGuardHost.StartAsync(FinGuardHost.LocalSettings(folder), builder => builder.Logging.AddProvider(logs));

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    [Fact]
    public async Task No_App_id_is_logged_once_with_the_remedy_and_then_one_line_per_delivery()
    {
        var ids = new List<string>();
        for (var number = 1; number <= 3; number++)
        {
            var scenario = new PullRequestScenario("octo-org", "no-app-id", number).WithCommit(verified: true);
            var id = Guid.NewGuid().ToString();
            var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString());
            using var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: id));
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
            ids.Add(id);
        }

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        foreach (var id in ids)
        {
            await Eventually.GetAsync(
                () => inbox.GetAsync(id, CancellationToken.None).Result is { State: DeliveryState.Failed } s ? s : null,
                () => $"delivery {id} was not failed");
        }

        var worker = logs.Lines.Where(l => l.Contains("FinGuard.Processing.DeliveryWorker:", StringComparison.Ordinal)).ToList();
        var cause = Assert.Single(worker, l => l.Contains("cannot authenticate as the GitHub App", StringComparison.Ordinal));
        Assert.StartsWith("Error", cause, StringComparison.Ordinal);
        Assert.Contains("GitHub:AppId is not configured", cause, StringComparison.Ordinal);
        Assert.Contains("restart", cause, StringComparison.Ordinal);
        Assert.Equal(3, worker.Count(l => l.Contains("GitHub App configuration is incomplete", StringComparison.Ordinal)));
        Assert.DoesNotContain(worker, l => l.Contains("\n   at ", StringComparison.Ordinal));
    }
}
