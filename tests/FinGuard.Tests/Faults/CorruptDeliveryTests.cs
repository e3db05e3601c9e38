using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FinGuard.Core.Deliveries;
using FinGuard.Functions;
using FinGuard.Storage;
using FinGuard.Telemetry;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using FinGuard.Tests.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Faults;

/// <summary>
/// Fifty deliveries are pending and one byte of one of them is flipped on disk (or in its blob). The corrupt one is
/// quarantined, alerted on with its id, counted, and named by <c>/readyz</c>; the other 49 are processed, whether they are
/// resumed at start or found by the redelivery sweep, and the sweep goes on to read GitHub's delivery log. Before
/// quarantining, listing the pending deliveries threw on the corrupt entry: nothing was resumed at start, and the sweep
/// failed before asking GitHub for anything.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class CorruptDeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Deliveries = 50;

    private readonly string folder = TempDirectory.Create();
    private readonly string container = $"dl-{Guid.NewGuid():N}"[..20];
    private readonly string tablePrefix = $"t{Guid.NewGuid():N}"[..12];
    private FakeGitHubServer github = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        github.Respond("GET", "/app/hook/deliveries", _ => FakeResponse.Json("[]"));
    }

    public async Task DisposeAsync()
    {
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("azure")]
    public async Task Deliveries_pending_at_start_are_resumed_past_a_corrupt_one(string backend)
    {
        var (ids, corrupt) = await SeedAsync(backend);
        var logs = new CapturingLoggerProvider();

        await using var host = await FinGuardHost.StartAsync(Settings(backend), builder => builder.Logging.AddProvider(logs));

        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        await AssertProcessedAsync(inbox, ids.Where(id => id != corrupt));
        Assert.Null(await inbox.GetAsync(corrupt, CancellationToken.None));
        Assert.Equal(corrupt, Assert.Single(await inbox.ListQuarantinedAsync(CancellationToken.None)).DeliveryId);
        Assert.Contains(logs.Lines, l => l.Contains("ALERT: quarantined delivery " + corrupt, StringComparison.Ordinal) && l.Contains("SHA-256", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("Could not list pending deliveries", StringComparison.Ordinal));

        // /readyz stays ready (every other delivery is served) and names the quarantined one.
        using var ready = await host.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var check = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!.AsArray().Single(c => (string?)c!["name"] == "deliveries")!;
        Assert.Contains("1 delivery(ies) quarantined", (string)check["detail"]!, StringComparison.Ordinal);
        Assert.Contains(corrupt, (string)check["detail"]!, StringComparison.Ordinal);

        // The sweep is not held up either.
        var sweep = await RunSweepAsync(host);
        Assert.Contains("GitHub's delivery log since", sweep, StringComparison.Ordinal);
        Assert.Single(github.FindRequests("GET", "/app/hook/deliveries"));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("azure")]
    public async Task The_redelivery_sweep_dispatches_the_others_and_reads_GitHubs_log_past_a_corrupt_one(string backend)
    {
        await using var host = await FinGuardHost.StartAsync(Settings(backend));
        using var metrics = new FinGuardMeasurements(host.Services);
        // Stored by another instance after this one started (so only the sweep can find them).
        var (ids, corrupt) = await SeedAsync(backend);

        var sweep = await RunSweepAsync(host);

        Assert.Contains($"Re-dispatched {Deliveries - 1} delivery(ies)", sweep, StringComparison.Ordinal);
        Assert.Contains($"Quarantined 1 corrupt delivery(ies): {corrupt}", sweep, StringComparison.Ordinal);
        Assert.Contains("GitHub's delivery log since", sweep, StringComparison.Ordinal);
        Assert.Single(github.FindRequests("GET", "/app/hook/deliveries"));
        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        await AssertProcessedAsync(inbox, ids.Where(id => id != corrupt));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesQuarantined, (FinGuardTelemetry.Tags.Reason, "corrupt")));
        github.AssertAllRequestsExistInOpenApi();
    }

    private Dictionary<string, string?> Settings(string backend)
    {
        var settings = backend == "local"
            ? FinGuardHost.GitHubSettings(github, folder)
            : FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);
        if (backend != "local")
        {
            settings["Storage:DeliveriesContainer"] = container;
            settings["Storage:EvidenceContainer"] = "ev" + container[2..];
            settings["Storage:TablePrefix"] = tablePrefix;
        }

        return settings;
    }

    /// <summary>Stores <see cref="Deliveries"/> ping deliveries received ten minutes ago, and flips one byte of one body.</summary>
    private async Task<(List<string> Ids, string Corrupt)> SeedAsync(string backend)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(backend)).Build();
        await using var storage = new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider();
        var inbox = storage.GetRequiredService<IDeliveryInbox>();
        var ping = Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString());
        var receivedAt = TimeProvider.System.GetUtcNow().AddMinutes(-10);
        var ids = Enumerable.Range(0, Deliveries).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            await inbox.AcceptAsync(new InboundDelivery(id, "ping", null, null, null, receivedAt.AddSeconds(i), ping), CancellationToken.None);
        }

        var corrupt = ids[23];
        if (backend == "local")
        {
            var path = Path.Combine(folder, "deliveries", corrupt + ".json");
            var bytes = await File.ReadAllBytesAsync(path);
            bytes[Array.IndexOf(bytes, (byte)'\n') + 10] ^= 0x20;
            await File.WriteAllBytesAsync(path, bytes);
        }
        else
        {
            await foreach (var row in new TableServiceClient(azurite.ConnectionString).GetTableClient(tablePrefix + "Deliveries")
                .QueryAsync<TableEntity>(r => r.RowKey == corrupt))
            {
                var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).GetBlobClient(row.GetString("BodyBlob"));
                var bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
                bytes[10] ^= 0x20;
                await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
            }
        }

        return (ids, corrupt);
    }

    private static async Task AssertProcessedAsync(IDeliveryInbox inbox, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            await Eventually.GetAsync(
                () => inbox.GetAsync(id, CancellationToken.None).Result?.State == DeliveryState.Completed ? "done" : null,
                () => $"delivery {id} was not processed");
        }
    }

    private static Task<string> RunSweepAsync(FinGuardHost host) =>
        host.Services.GetRequiredService<ScheduledJobRunner>().RunAsync(new ScheduledJobContext(FunctionNames.RedeliverySweep, false, null), CancellationToken.None);
}
