using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Benchmarks.EndToEnd;

/// <summary>
/// The loopback <see cref="FakeGitHubServer"/> from <c>tests/FinGuard.Testing</c>, programmed for load: one route per
/// REST operation that looks the pull request up in a dictionary (registering thousands of exact routes would make
/// the fake's linear route search the bottleneck), and check-run routes that note, with a <see cref="Stopwatch"/>
/// timestamp, when the first check run for each head SHA arrived. Everything else (installation tokens, OpenAPI
/// annotation, request recording, 404 for the absent policy files) is the fake's own behaviour.
/// </summary>
public sealed class LoadGitHub : IAsyncDisposable
{
    private readonly FakeGitHubServer server;
    private readonly Dictionary<string, BenchPullRequest> pulls;
    private readonly Dictionary<string, BenchPullRequest> byHead;
    private readonly ConcurrentDictionary<string, long> published = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, string> runs = new();
    private readonly ConcurrentDictionary<string, long> runIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> conclusions = new(StringComparer.Ordinal);
    private long lastRunId;

    private LoadGitHub(FakeGitHubServer server, IEnumerable<BenchPullRequest> pullRequests)
    {
        this.server = server;
        pulls = pullRequests.ToDictionary(p => p.Key, StringComparer.OrdinalIgnoreCase);
        byHead = pulls.Values.ToDictionary(p => p.HeadSha, StringComparer.OrdinalIgnoreCase);
        server.Respond("GET", "/repos/{owner}/{repo}/pulls/{number}", r => Serve(r, p => p.PullJson));
        server.Respond("GET", "/repos/{owner}/{repo}/compare/{basehead}", Compare);
        server.Respond("GET", "/repos/{owner}/{repo}/pulls/{number}/reviews", r => Serve(r, p => p.ReviewsJson));
        server.Respond("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", ListCheckRuns);
        server.Respond("POST", "/repos/{owner}/{repo}/check-runs", CreateCheckRun);
        server.Respond("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", UpdateCheckRun);
    }

    public Uri BaseAddress => server.BaseAddress;

    /// <summary>Conclusions of the check runs received, e.g. <c>success: 10000</c>.</summary>
    public IReadOnlyDictionary<string, int> Conclusions => conclusions;

    /// <summary>Requests the fake received, all kinds.</summary>
    public int RequestCount => server.Requests.Count;

    /// <summary>Requests the fake received per operation (method, route template and status), most frequent first.</summary>
    public IReadOnlyList<(string Operation, int Count)> RequestsByOperation() =>
        [.. server.Requests
            .GroupBy(r => $"{r.Method} {r.Route ?? r.OpenApiTemplate ?? r.Path}{(r.Query.ContainsKey("ref") ? "?ref=" + r.Query["ref"] : "")} → {r.ResponseStatus?.ToString(CultureInfo.InvariantCulture) ?? "?"}", StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2)
            .ThenBy(g => g.Key, StringComparer.Ordinal)];

    public static async Task<LoadGitHub> StartAsync(IEnumerable<BenchPullRequest> pullRequests) =>
        new(await FakeGitHubServer.StartAsync(), pullRequests);

    /// <summary>When (Stopwatch timestamp) the first check run for <paramref name="headSha"/> arrived.</summary>
    public bool TryGetPublished(string headSha, out long timestamp) => published.TryGetValue(headSha, out timestamp);

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private FakeResponse Serve(RecordedRequest request, Func<BenchPullRequest, string> body)
    {
        var key = BenchPullRequest.Keyed($"{request.RouteValues["owner"]}/{request.RouteValues["repo"]}", int.Parse(request.RouteValues["number"], CultureInfo.InvariantCulture));
        return pulls.TryGetValue(key, out var pull) ? FakeResponse.Json(body(pull)) : FakeResponse.NotFound();
    }

    private FakeResponse Compare(RecordedRequest request)
    {
        var head = request.RouteValues["basehead"].Split("...")[^1];
        return byHead.TryGetValue(head, out var pull) ? FakeResponse.Json(pull.CompareJson) : FakeResponse.NotFound();
    }

    private FakeResponse ListCheckRuns(RecordedRequest request)
    {
        var sha = request.RouteValues["ref"];
        var list = new JsonArray();
        if (runIds.TryGetValue(sha, out var id))
        {
            list.Add(Run(id, sha, "completed", null));
        }

        return FakeResponse.Json(new JsonObject { ["total_count"] = list.Count, ["check_runs"] = list });
    }

    private FakeResponse CreateCheckRun(RecordedRequest request)
    {
        var now = Stopwatch.GetTimestamp();
        var body = JsonNode.Parse(request.Body)!.AsObject();
        var sha = (string)body["head_sha"]!;
        var id = Interlocked.Increment(ref lastRunId);
        runs[id] = sha;
        runIds.TryAdd(sha, id);
        Published(sha, now, (string?)body["conclusion"]);
        return FakeResponse.Json(Run(id, sha, (string?)body["status"] ?? "queued", (string?)body["conclusion"]), 201);
    }

    private FakeResponse UpdateCheckRun(RecordedRequest request)
    {
        var now = Stopwatch.GetTimestamp();
        var id = long.Parse(request.RouteValues["check_run_id"], CultureInfo.InvariantCulture);
        if (!runs.TryGetValue(id, out var sha))
        {
            return FakeResponse.NotFound();
        }

        var body = JsonNode.Parse(request.Body)!.AsObject();
        Published(sha, now, (string?)body["conclusion"]);
        return FakeResponse.Json(Run(id, sha, (string?)body["status"] ?? "completed", (string?)body["conclusion"]));
    }

    private void Published(string sha, long timestamp, string? conclusion)
    {
        if (published.TryAdd(sha, timestamp))
        {
            conclusions.AddOrUpdate(conclusion ?? "(none)", 1, (_, n) => n + 1);
        }
    }

    private static JsonObject Run(long id, string sha, string status, string? conclusion) => new()
    {
        ["id"] = id,
        ["name"] = "FinGuard",
        ["head_sha"] = sha,
        ["external_id"] = $"finguard:{sha}",
        ["status"] = status,
        ["conclusion"] = conclusion,
    };
}
