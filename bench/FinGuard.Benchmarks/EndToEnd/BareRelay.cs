using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using FinGuard.Benchmarks.Load;

namespace FinGuard.Benchmarks.EndToEnd;

/// <summary>
/// The end-to-end baseline: the bare webhook endpoint hands each body to an in-memory channel, and as many workers
/// as FinGuard's <c>DeliveryWorker</c> runs (4, its default <c>Processing:Concurrency</c>) make the same GitHub REST calls FinGuard makes for a pull request —
/// for a pull request's first decision: GET the compare of its base branch and head (its commits), its reviews and the two
/// policy files (404 here), then POST the check run (the pull request itself comes with the delivery) — with no signature check, storage, evidence, evaluation or token handling. What FinGuard adds
/// on top of this floor is its own cost.
/// </summary>
public sealed class BareRelay : IAsyncDisposable
{
    /// <summary>FinGuard's <c>DeliveryWorker</c> processes this many deliveries at once.</summary>
    public const int Workers = 4;

    private readonly Channel<byte[]> channel = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly HttpClient github;
    private readonly CancellationTokenSource stopping = new();
    private BareWebhookEndpoint? endpoint;
    private Task[] workers = [];

    private BareRelay(Uri gitHubBaseAddress)
    {
        github = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = gitHubBaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        github.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ghs_bench_relay");
        github.DefaultRequestHeaders.UserAgent.ParseAdd("finguard-bench-relay");
    }

    public Uri BaseAddress => endpoint!.BaseAddress;

    public static async Task<BareRelay> StartAsync(Uri gitHubBaseAddress)
    {
        var relay = new BareRelay(gitHubBaseAddress);
        relay.endpoint = await BareWebhookEndpoint.StartAsync(body => relay.channel.Writer.TryWrite(body));
        relay.workers = [.. Enumerable.Range(0, Workers).Select(_ => Task.Run(relay.WorkAsync))];
        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        channel.Writer.TryComplete();
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        if (endpoint is not null)
        {
            await endpoint.DisposeAsync();
        }

        github.Dispose();
        stopping.Dispose();
    }

    private async Task WorkAsync()
    {
        await foreach (var body in channel.Reader.ReadAllAsync(stopping.Token))
        {
            try
            {
                await RelayAsync(body, stopping.Token);
            }
            catch (HttpRequestException)
            {
                // Counted as unpublished by the benchmark.
            }
        }
    }

    private async Task RelayAsync(byte[] body, CancellationToken cancellationToken)
    {
        string repository;
        int number;
        string sha;
        string baseRef;
        using (var document = JsonDocument.Parse(body))
        {
            var root = document.RootElement;
            repository = root.GetProperty("repository").GetProperty("full_name").GetString()!;
            number = root.GetProperty("number").GetInt32();
            sha = root.GetProperty("pull_request").GetProperty("head").GetProperty("sha").GetString()!;
            baseRef = root.GetProperty("pull_request").GetProperty("base").GetProperty("ref").GetString()!;
        }

        var owner = repository.Split('/')[0];
        await GetAsync($"repos/{repository}/compare/{baseRef}...{sha}", cancellationToken);
        await GetAsync($"repos/{repository}/pulls/{number}/reviews?per_page=100", cancellationToken);
        await GetAsync($"repos/{repository}/contents/.github/finguard.yml?ref=main", cancellationToken);
        await GetAsync($"repos/{owner}/.github/contents/finguard.yml", cancellationToken);
        var checkRun = new JsonObject
        {
            ["name"] = "FinGuard",
            ["head_sha"] = sha,
            ["external_id"] = $"finguard:{sha}",
            ["status"] = "completed",
            ["conclusion"] = "success",
            ["output"] = new JsonObject { ["title"] = "relayed", ["summary"] = "baseline: no evaluation" },
        };
        using var content = new StringContent(checkRun.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await github.PostAsync($"repos/{repository}/check-runs", content, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
    }

    private async Task GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await github.GetAsync(path, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // FinGuard parses every response it keeps; so does the floor.
            using var parsed = JsonDocument.Parse(bytes);
        }
    }
}
