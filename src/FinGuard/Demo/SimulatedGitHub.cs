using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace FinGuard.Demo;

/// <summary>
/// A simulated GitHub REST API for <c>finguard demo</c>: a real HTTP server on 127.0.0.1 (ephemeral port) that FinGuard
/// reaches through its normal GitHub client, answering from recorded responses (the worked examples of
/// <c>docs/examples/</c>, shaped exactly as GitHub returns them). Like GitHub it checks the App's JWT (RS256 with the
/// App's public key, issuer the App id, not expired) before it hands out an installation token, and it stores the check
/// runs FinGuard creates and updates and the answers FinGuard sends to deployment protection rules, so the demo can
/// show them. It is not a GitHub emulator: anything it has no recording for gets GitHub's 404 body and is listed in
/// <see cref="Unanswered"/>.
/// </summary>
internal sealed class SimulatedGitHub : IAsyncDisposable
{
    private const string NotFoundBody = """{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}""";

    private readonly WebApplication app;
    private readonly RSA appKey;
    private readonly string appId;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<string, string?> responses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonArray> reviews = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonArray> commits = new(StringComparer.Ordinal);
    private readonly List<JsonObject> checkRuns = [];
    private readonly List<JsonObject> completedCheckRuns = [];
    private readonly List<(long RunId, JsonObject Body)> deploymentAnswers = [];
    private readonly List<string> unanswered = [];
    private readonly List<string> requests = [];

    private SimulatedGitHub(WebApplication app, RSA appKey, string appId, TimeProvider time)
    {
        this.app = app;
        this.appKey = appKey;
        this.appId = appId;
        this.time = time;
    }

    /// <summary>Root of the API, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every request FinGuard made, as <c>METHOD /path</c> (without the query), in arrival order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (gate)
            {
                return [.. requests];
            }
        }
    }

    /// <summary>Requests there was no recording for (answered 404), as <c>METHOD /path</c>.</summary>
    public IReadOnlyList<string> Unanswered
    {
        get
        {
            lock (gate)
            {
                return [.. unanswered];
            }
        }
    }

    /// <param name="appPublicKey">The App's key; only its public part is used, to check the JWTs.</param>
    /// <param name="appId">The App id the JWT must name as its issuer.</param>
    /// <param name="time">The clock the JWT's expiry is checked against.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    public static async Task<SimulatedGitHub> StartAsync(RSA appPublicKey, string appId, TimeProvider time, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "finguard-simulated-github", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var github = new SimulatedGitHub(app, appPublicKey, appId, time);
        app.Run(github.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        github.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return github;
    }

    /// <summary>Answers <c>GET /<paramref name="path"/></c> (no query) with <paramref name="json"/>; null: GitHub's 404, an expected answer (a file that does not exist).</summary>
    public void Serve(string path, string? json)
    {
        lock (gate)
        {
            responses[path] = json;
        }
    }

    /// <summary>
    /// Serves a pull request: GET pulls/{n}, its commits (pulls/{n}/commits, and compare/{base}...{head}, the request
    /// FinGuard lists a pull request's commits with, built from the same commit objects) and its reviews, which
    /// <see cref="AddReview"/> extends.
    /// </summary>
    public void ServePullRequest(string repository, JsonObject pull, JsonArray pullCommits, JsonArray pullReviews)
    {
        var number = (int)pull["number"]!;
        var baseRef = (string)pull["base"]!["ref"]!;
        var headSha = (string)pull["head"]!["sha"]!;
        lock (gate)
        {
            responses[$"repos/{repository}/pulls/{number}"] = pull.ToJsonString();
            commits[$"repos/{repository}/pulls/{number}/commits"] = pullCommits;
            commits[$"repos/{repository}/compare/{baseRef}...{headSha}"] = pullCommits;
            reviews[$"repos/{repository}/pulls/{number}/reviews"] = pullReviews;
        }
    }

    /// <summary>A new review on the pull request (GET …/reviews then lists it).</summary>
    public void AddReview(string repository, int number, JsonObject review)
    {
        lock (gate)
        {
            reviews[$"repos/{repository}/pulls/{number}/reviews"].Add(review);
        }
    }

    /// <summary>
    /// The <paramref name="count"/>-th completed check run for <paramref name="headSha"/> (each time FinGuard completes
    /// or updates a completed one counts), as GitHub would return it; null on timeout.
    /// </summary>
    public async Task<JsonObject?> WaitForCompletedCheckRunAsync(string headSha, int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        await WaitAsync(() =>
        {
            lock (gate)
            {
                var done = completedCheckRuns.Where(r => (string?)r["head_sha"] == headSha).ToList();
                return done.Count >= count ? (JsonObject)done[count - 1].DeepClone() : null;
            }
        }, timeout, cancellationToken);

    /// <summary>FinGuard's answer (<c>state</c> and <c>comment</c>) to the protection rule of run <paramref name="runId"/>; null on timeout.</summary>
    public async Task<JsonObject?> WaitForDeploymentAnswerAsync(long runId, TimeSpan timeout, CancellationToken cancellationToken) =>
        await WaitAsync(() =>
        {
            lock (gate)
            {
                return deploymentAnswers.Where(a => a.RunId == runId && a.Body["state"] is not null).Select(a => (JsonObject)a.Body.DeepClone()).FirstOrDefault();
            }
        }, timeout, cancellationToken);

    private async Task<JsonObject?> WaitAsync(Func<JsonObject?> probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp();
        while (time.GetElapsedTime(deadline) < timeout)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }

        return probe();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = (request.Path.Value ?? "/").TrimStart('/');
        lock (gate)
        {
            requests.Add($"{request.Method} /{path}");
        }

        var segments = path.Split('/');
        JsonObject? body = null;
        if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }

        var (status, json) = request.Method switch
        {
            "POST" when segments is ["app", "installations", _, "access_tokens"] => InstallationToken(request),
            "POST" when segments is ["repos", _, _, "check-runs"] => CreateCheckRun(body),
            "PATCH" when segments is ["repos", _, _, "check-runs", var id] => UpdateCheckRun(id, body),
            "POST" when segments is ["repos", _, _, "actions", "runs", var run, "deployment_protection_rule"] => AnswerDeployment(run, body),
            "GET" when segments is ["repos", _, _, "commits", var sha, "check-runs"] => ListCheckRuns(sha, request.Query["check_name"].ToString()),
            "GET" => Recorded(path),
            _ => (404, NotFoundBody),
        };

        if (status == 404 && !(request.Method == "GET" && IsKnownAbsent(path)))
        {
            lock (gate)
            {
                unanswered.Add($"{request.Method} /{path}");
            }
        }

        context.Response.StatusCode = status;
        if (json is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(json, context.RequestAborted);
        }
    }

    private bool IsKnownAbsent(string path)
    {
        lock (gate)
        {
            return responses.TryGetValue(path, out var json) && json is null;
        }
    }

    private (int, string?) Recorded(string path)
    {
        lock (gate)
        {
            if (responses.TryGetValue(path, out var json))
            {
                return json is null ? (404, NotFoundBody) : (200, json);
            }

            if (reviews.TryGetValue(path, out var list))
            {
                return (200, list.ToJsonString());
            }

            if (commits.TryGetValue(path, out var commitList))
            {
                return (200, path.Contains("/compare/", StringComparison.Ordinal) ? Compare(commitList) : commitList.ToJsonString());
            }
        }

        return (404, NotFoundBody);
    }

    /// <summary>GitHub's compare of the base branch and the head: the pull request's commits, ahead of the base.</summary>
    private static string Compare(JsonArray commitList) => Compare(commitList, "ahead", 0);

    /// <summary>GitHub's compare response for a head with <paramref name="commitList"/> ahead, <paramref name="behindBy"/> commits behind.</summary>
    public static string Compare(JsonArray commitList, string status, int behindBy) => new JsonObject
    {
        ["status"] = status,
        ["ahead_by"] = commitList.Count,
        ["behind_by"] = behindBy,
        ["total_commits"] = commitList.Count,
        ["commits"] = commitList.DeepClone(),
        ["files"] = new JsonArray(),
    }.ToJsonString();

    /// <summary>POST app/installations/{id}/access_tokens: only for a JWT the App's key signed.</summary>
    private (int, string?) InstallationToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || JwtProblem(authorization["Bearer ".Length..]) is { } problem)
        {
            return (401, new JsonObject { ["message"] = "A JSON web token could not be decoded", ["documentation_url"] = "https://docs.github.com/rest", ["status"] = "401" }.ToJsonString());
        }

        return (201, new JsonObject
        {
            ["token"] = "ghs_demo" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["expires_at"] = time.GetUtcNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["permissions"] = new JsonObject { ["checks"] = "write", ["pull_requests"] = "read", ["contents"] = "read", ["deployments"] = "write", ["actions"] = "read" },
            ["repository_selection"] = "all",
        }.ToJsonString());
    }

    private string? JwtProblem(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return "not a JWT";
        }

        try
        {
            var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
            if (!appKey.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return "bad signature";
            }

            using var claims = JsonDocument.Parse(Base64Url(parts[1]));
            var issuer = claims.RootElement.GetProperty("iss");
            var issuedBy = issuer.ValueKind == JsonValueKind.Number ? issuer.GetRawText() : issuer.GetString();
            var expires = DateTimeOffset.FromUnixTimeSeconds(claims.RootElement.GetProperty("exp").GetInt64());
            return issuedBy != appId ? "wrong issuer" : expires <= time.GetUtcNow() ? "expired" : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "unreadable";
        }
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    private (int, string?) CreateCheckRun(JsonObject? body)
    {
        if (body is null)
        {
            return (422, """{"message":"Invalid request.","status":"422"}""");
        }

        lock (gate)
        {
            body["id"] = checkRuns.Count + 1;
            body["status"] ??= "queued";
            body["started_at"] ??= time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            checkRuns.Add(body);
            Completed(body);
            return (201, body.ToJsonString());
        }
    }

    private (int, string?) UpdateCheckRun(string id, JsonObject? body)
    {
        lock (gate)
        {
            if (body is null || !int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1 || index > checkRuns.Count)
            {
                return (404, NotFoundBody);
            }

            var run = checkRuns[index - 1];
            foreach (var (key, value) in body)
            {
                run[key] = value?.DeepClone();
            }

            if (body["conclusion"] is not null)
            {
                run["status"] = "completed";
                Completed(run);
            }

            return (200, run.ToJsonString());
        }
    }

    /// <summary>Keeps a copy of a check run each time it is written completed, so the demo sees every decision.</summary>
    private void Completed(JsonObject run)
    {
        if (run["conclusion"] is not null)
        {
            completedCheckRuns.Add((JsonObject)run.DeepClone());
        }
    }

    private (int, string?) ListCheckRuns(string sha, string checkName)
    {
        lock (gate)
        {
            var runs = checkRuns.Where(r => (string?)r["head_sha"] == sha && (checkName.Length == 0 || (string?)r["name"] == checkName)).Select(r => r.DeepClone()).ToArray();
            return (200, new JsonObject { ["total_count"] = runs.Length, ["check_runs"] = new JsonArray(runs) }.ToJsonString());
        }
    }

    private (int, string?) AnswerDeployment(string run, JsonObject? body)
    {
        if (body is null || !long.TryParse(run, NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
        {
            return (422, """{"message":"Invalid request.","status":"422"}""");
        }

        lock (gate)
        {
            deploymentAnswers.Add((runId, body));
        }

        return (204, null);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
