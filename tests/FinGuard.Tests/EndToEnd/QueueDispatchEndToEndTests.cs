using System.Net;
using System.Text;
using Azure.Storage.Queues;
using FinGuard.Functions;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// Scale-out on Azure Functions: the ingress puts the delivery id on the Azure Storage queue (real Azurite), and the
/// <c>ProcessDelivery</c> queue function's handler processes the message text the queue trigger binds.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class QueueDispatchEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string queueName = $"deliveries{Guid.NewGuid():N}"[..24];
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);
        settings["Processing:Dispatch"] = "azure-queue";
        settings["Scheduler:Enabled"] = "false";
        settings["Processing:QueueName"] = queueName;
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
    }

    [Fact]
    public async Task A_delivery_goes_through_the_storage_queue_to_the_ProcessDelivery_function()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: $"queue-{Guid.NewGuid():N}"[..21], number: 8)
            .WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        var deliveryId = Guid.NewGuid().ToString();
        var body = Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "opened"), "opened").ToJsonString());

        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        // The message is on the queue, base64-encoded as the Functions queue trigger expects; nothing processed it in-process.
        var queue = new QueueClient(azurite.ConnectionString, queueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var message = Assert.Single((await queue.ReceiveMessagesAsync(maxMessages: 10)).Value);
        Assert.Equal(deliveryId, message.MessageText);
        await Task.Delay(300);
        Assert.Empty(github.CheckRuns);

        // What the ProcessDelivery function runs on the message text the queue trigger binds (base64 undone by the host).
        var result = await host.Services.GetRequiredService<DeliveryQueueFunction>()
            .RunAsync(message.MessageText, message.MessageId, $"{message.DequeueCount}", CancellationToken.None);

        Assert.Contains("completed", result, StringComparison.Ordinal);
        var run = Assert.Single(github.CheckRuns);
        Assert.Equal("success", (string?)run["conclusion"]);
        Assert.Equal(scenario.HeadSha, (string?)run["head_sha"]);
    }
}
