using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FinGuard.Testing.FakeGitHub;

/// <summary>
/// A fake GitHub REST API on a real Kestrel server bound to 127.0.0.1 on an ephemeral port. Point the client's
/// API base URL at <see cref="BaseAddress"/> (an <c>/api/v3</c> prefix is accepted and stripped, as on GHES).
/// <para>
/// Responses are programmed per method and path (exact, with <c>{placeholders}</c>, optionally with query
/// constraints such as <c>?state=open</c>); the most recently registered matching route answers, routes with
/// more query constraints first. Anything unmatched gets GitHub's 404 body and is listed in
/// <see cref="UnmatchedRequests"/>. Built-in routes emulate installation tokens and check runs.
/// Every request is recorded (<see cref="Requests"/>) and annotated with its GitHub OpenAPI template;
/// <see cref="AssertAllRequestsExistInOpenApi"/> fails the test when a request is not a GitHub operation.
/// </para>
/// <para>
/// Like GitHub, a 200 answer to a GET carries an <c>ETag</c> (a hash of the body and <c>Link</c> header, unless the
/// route set one), and a GET whose <c>If-None-Match</c> names the current ETag gets <c>304 Not Modified</c> without a
/// body. <see cref="RecordedRequest.ResponseStatus"/> says what each request got.
/// </para>
/// </summary>
public sealed class FakeGitHubServer : IAsyncDisposable
{
    /// <summary>The prefix GitHub Enterprise Server puts before REST paths.</summary>
    public const string EnterprisePrefix = "/api/v3";

    /// <summary>
    /// Paths under this prefix stand for the storage host GitHub redirects artifact downloads to; they are not REST
    /// operations, so the OpenAPI conformance check skips them.
    /// </summary>
    public const string ArtifactStoragePrefix = "/_artifact-storage/";

    private const string InstallationTokenRoute = "/app/installations/{installation_id}/access_tokens";
    private const string CheckRunsRoute = "/repos/{owner}/{repo}/check-runs";
    private const string CheckRunRoute = "/repos/{owner}/{repo}/check-runs/{check_run_id}";
    private const string CheckRunsForRefRoute = "/repos/{owner}/{repo}/commits/{ref}/check-runs";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<Route> _routes = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<StoredCheckRun> _checkRuns = [];
    private readonly List<Action<RecordedRequest>> _observers = [];
    private long _lastCheckRunId;
    private long _lastTokenNumber;
    private int _disposed;

    private FakeGitHubServer(WebApplication app, TimeProvider timeProvider)
    {
        _app = app;
        TimeProvider = timeProvider;
        BaseAddress = new Uri("http://127.0.0.1/");
        RegisterDefaultRoutes();
    }

    /// <summary>Root of the fake API, e.g. <c>http://127.0.0.1:54321/</c>; always ends with '/'.</summary>
    public Uri BaseAddress { get; private set; }

    /// <summary>Clock used for <c>expires_at</c> and check-run timestamps.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// When set, every response carries GitHub's rate-limit headers: <c>x-ratelimit-limit: 5000</c>,
    /// <c>x-ratelimit-remaining</c> with this value, <c>x-ratelimit-used</c> and <c>x-ratelimit-resource: core</c>
    /// (a route's own headers win). Null (the default): no rate-limit headers.
    /// </summary>
    public int? RateLimitRemaining { get; set; }

    /// <summary>Every request received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Requests no route answered (they got a 404).</summary>
    public IReadOnlyList<RecordedRequest> UnmatchedRequests => [.. Requests.Where(r => !r.IsMatched)];

    /// <summary>Check runs created through the fake API, in creation order, as GitHub would return them (copies).</summary>
    public IReadOnlyList<JsonObject> CheckRuns
    {
        get
        {
            lock (_gate)
            {
                return [.. _checkRuns.Select(c => (JsonObject)c.Json.DeepClone())];
            }
        }
    }

    /// <summary>
    /// Adds a check run another app created (a scanner, CI) on <paramref name="owner"/>/<paramref name="repo"/>, so the
    /// check-runs list for its <c>head_sha</c> returns it; assigns its id and returns it.
    /// </summary>
    public long AddCheckRun(string owner, string repo, JsonObject checkRun)
    {
        ArgumentNullException.ThrowIfNull(checkRun);
        lock (_gate)
        {
            var id = ++_lastCheckRunId;
            checkRun["id"] = id;
            checkRun["html_url"] = string.Create(CultureInfo.InvariantCulture, $"https://github.com/{owner}/{repo}/runs/{id}");
            NormalizeStatus(checkRun);
            _checkRuns.Add(new StoredCheckRun(owner, repo, (JsonObject)checkRun.DeepClone()));
            return id;
        }
    }

    /// <summary>Starts a server on 127.0.0.1 with an ephemeral port.</summary>
    /// <param name="timeProvider">Clock for token expiry and timestamps; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    public static async Task<FakeGitHubServer> StartAsync(TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeGitHubServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Testing",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();

        var server = new FakeGitHubServer(app, timeProvider ?? TimeProvider.System);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var bound = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting a bound address.");
        server.BaseAddress = new Uri(bound.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>
    /// Answers <paramref name="method"/> <paramref name="pathOrTemplate"/> with <paramref name="responder"/>.
    /// The path may contain <c>{name}</c> placeholders (their values are in <see cref="RecordedRequest.RouteValues"/>)
    /// and a query string whose parameters must all be present with equal values; other query parameters are ignored.
    /// </summary>
    public void Respond(string method, string pathOrTemplate, Func<RecordedRequest, FakeResponse> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        Respond(method, pathOrTemplate, (request, _) => Task.FromResult(responder(request)));
    }

    /// <summary>Asynchronous form of <see cref="Respond(string, string, Func{RecordedRequest, FakeResponse})"/>, e.g. to hold a response back.</summary>
    public void Respond(string method, string pathOrTemplate, Func<RecordedRequest, CancellationToken, Task<FakeResponse>> responder)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(pathOrTemplate);
        ArgumentNullException.ThrowIfNull(responder);
        var route = Route.Parse(method, pathOrTemplate, responder);
        lock (_gate)
        {
            _routes.Add(route with { Order = _routes.Count });
        }
    }

    /// <summary>
    /// Calls <paramref name="observer"/> with every request as it arrives, before it is answered (e.g. to check what
    /// was already stored when a check run was published).
    /// </summary>
    public void Observe(Action<RecordedRequest> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            _observers.Add(observer);
        }
    }

    /// <summary>Answers with a fixed JSON body.</summary>
    public void RespondJson(string method, string pathOrTemplate, string json, int statusCode = 200, IDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var response = FakeResponse.Json(json, statusCode, headers);
        Respond(method, pathOrTemplate, _ => response);
    }

    /// <summary>
    /// Answers with the JSON in <paramref name="filePath"/> (read now). A relative path is resolved against the
    /// test output folder first, then the repository root.
    /// </summary>
    public void RespondJsonFile(string method, string pathOrTemplate, string filePath, int statusCode = 200, IDictionary<string, string>? headers = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        RespondJson(method, pathOrTemplate, File.ReadAllText(ResolveFile(filePath)), statusCode, headers);
    }

    /// <summary>
    /// Answers a paginated list: <c>?page=n</c> (default 1) returns <paramref name="pagesJson"/>[n-1] with GitHub's
    /// <c>Link</c> header (<c>prev</c>/<c>next</c>/<c>first</c>/<c>last</c>, other query parameters such as
    /// <c>per_page</c> kept). A page past the end returns <c>[]</c>, as GitHub does.
    /// </summary>
    public void RespondPaged(string method, string pathOrTemplate, IReadOnlyList<string> pagesJson, IDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(pagesJson);
        if (pagesJson.Count == 0)
        {
            throw new ArgumentException("At least one page is required.", nameof(pagesJson));
        }

        var pages = pagesJson.ToArray();
        var extraHeaders = headers is null ? null : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        Respond(method, pathOrTemplate, request => PagedResponse(request, pages, extraHeaders));
    }

    /// <summary>As <see cref="RespondPaged(string, string, IReadOnlyList{string}, IDictionary{string, string}?)"/>, with the pages computed per request (a list that grows during a test).</summary>
    public void RespondPaged(string method, string pathOrTemplate, Func<IReadOnlyList<string>> pagesJson)
    {
        ArgumentNullException.ThrowIfNull(pagesJson);
        Respond(method, pathOrTemplate, request =>
        {
            var pages = pagesJson().ToArray();
            return PagedResponse(request, pages.Length == 0 ? ["[]"] : pages, null);
        });
    }

    /// <summary>
    /// Answers GitHub's compare (<c>GET /repos/{owner}/{repo}/compare/{basehead}</c>) from the whole comparison
    /// <paramref name="compare"/> (every commit, oldest first), as GitHub's reference describes it: asked without
    /// <c>per_page</c> or <c>page</c>, the last 250 commits; with either, page <c>page</c> of <c>per_page</c> commits
    /// (default 30, at most 100) with a <c>Link</c> header, <c>files</c> only on the first page, and
    /// <c>total_commits</c> always the whole comparison's.
    /// </summary>
    public void RespondCompare(string path, Func<JsonObject> compare)
    {
        ArgumentNullException.ThrowIfNull(compare);
        Respond("GET", path, request =>
        {
            var whole = compare();
            var commits = whole["commits"]!.AsArray();
            var paged = request.Query.ContainsKey("per_page") || request.Query.ContainsKey("page");
            if (!paged)
            {
                whole["commits"] = new JsonArray([.. commits.TakeLast(250).Select(c => c!.DeepClone())]);
                return FakeResponse.Json(whole);
            }

            var perPage = request.Query.TryGetValue("per_page", out var size) && int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? Math.Min(n, 100)
                : 30;
            var page = request.Query.TryGetValue("page", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
            var last = Math.Max(1, (commits.Count + perPage - 1) / perPage);
            whole["commits"] = new JsonArray([.. commits.Skip((page - 1) * perPage).Take(perPage).Select(c => c!.DeepClone())]);
            if (page > 1)
            {
                whole["files"] = new JsonArray();
            }

            return FakeResponse.Json(whole, 200, PageLinks(request, page, last));
        });
    }

    /// <summary>Recorded requests answered by, or matching, <paramref name="method"/> <paramref name="pathOrTemplate"/>.</summary>
    public IReadOnlyList<RecordedRequest> FindRequests(string method, string pathOrTemplate)
    {
        var route = Route.Parse(method, pathOrTemplate, static (_, _) => Task.FromResult(FakeResponse.NoContent()));
        return [.. Requests.Where(route.Matches)];
    }

    /// <summary>Fails the test naming every recorded request whose method and path is not an operation in GitHub's OpenAPI description.</summary>
    public void AssertAllRequestsExistInOpenApi() => AssertAllRequestsExistIn(GitHubOpenApi.Default);

    /// <summary>As <see cref="AssertAllRequestsExistInOpenApi()"/>, against a given description.</summary>
    public void AssertAllRequestsExistIn(GitHubOpenApi openApi)
    {
        ArgumentNullException.ThrowIfNull(openApi);
        var unknown = Requests
            .Where(r => !r.Path.StartsWith(ArtifactStoragePrefix, StringComparison.Ordinal) && !openApi.TryMatch(r.Method, r.Path, out _))
            .Select(r => $"{r.Method} {r.Path}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (unknown.Count > 0)
        {
            Assert.Fail(
                $"{unknown.Count} request(s) are not GitHub REST operations in {openApi.DisplayName}:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", unknown));
        }
    }

    /// <summary>Fails the test when any request got the fallback 404.</summary>
    public void AssertNoUnmatchedRequests()
    {
        var unmatched = UnmatchedRequests;
        if (unmatched.Count > 0)
        {
            Assert.Fail(
                $"{unmatched.Count} request(s) had no programmed response:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", unmatched));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var request = await RecordAsync(context, cancellationToken);

        FakeResponse response;
        Route? route;
        IReadOnlyDictionary<string, string> values;
        Action<RecordedRequest>[] observers;
        lock (_gate)
        {
            (route, values) = FindRoute(request);
            request = request with { Route = route?.Pattern, RouteValues = values };
            _requests.Add(request);
            observers = [.. _observers];
        }

        foreach (var observer in observers)
        {
            observer(request);
        }

        if (route is null)
        {
            response = FakeResponse.NotFound();
        }
        else
        {
            try
            {
                response = await route.Responder(request, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                response = FakeResponse.Error(500, $"Fake GitHub route '{route.Method} {route.Pattern}' threw: {ex.Message}");
            }
        }

        if (RateLimitRemaining is { } remaining)
        {
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            context.Response.Headers["x-ratelimit-limit"] = "5000";
            context.Response.Headers["x-ratelimit-remaining"] = remaining.ToString(invariant);
            context.Response.Headers["x-ratelimit-used"] = (5000 - remaining).ToString(invariant);
            context.Response.Headers["x-ratelimit-resource"] = "core";
        }

        response = Conditional(request, response);
        lock (_gate)
        {
            var index = _requests.LastIndexOf(request);
            if (index >= 0)
            {
                _requests[index] = request with { ResponseStatus = response.StatusCode };
            }
        }

        await WriteAsync(context.Response, response, cancellationToken);
    }

    /// <summary>GitHub's conditional GET: an ETag on every 200, and 304 when <c>If-None-Match</c> names it.</summary>
    private static FakeResponse Conditional(RecordedRequest request, FakeResponse response)
    {
        if (request.Method != "GET" || response.StatusCode != 200 || (response.Body is null && response.BinaryBody is null))
        {
            return response;
        }

        var headers = new Dictionary<string, string>(response.Headers ?? PathTemplate.EmptyValues, StringComparer.OrdinalIgnoreCase);
        if (!headers.TryGetValue("ETag", out var etag))
        {
            var content = response.BinaryBody ?? Encoding.UTF8.GetBytes(response.Body!);
            var link = Encoding.UTF8.GetBytes(headers.TryGetValue("Link", out var l) ? l : string.Empty);
            etag = $"W/\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. content, .. link]))[..32]}\"";
            headers["ETag"] = etag;
        }

        var ifNoneMatch = request.Header("If-None-Match");
        if (ifNoneMatch is not null && ifNoneMatch.Split(',').Any(v => string.Equals(v.Trim(), etag, StringComparison.Ordinal)))
        {
            return new FakeResponse(304, null, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["ETag"] = etag });
        }

        return response with { Headers = headers };
    }

    private static async Task<RecordedRequest> RecordAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var httpRequest = context.Request;
        var path = httpRequest.Path;
        var prefix = string.Empty;
        if (path.StartsWithSegments(EnterprisePrefix, StringComparison.OrdinalIgnoreCase, out var remaining))
        {
            prefix = EnterprisePrefix;
            path = remaining;
        }

        string body;
        using (var reader = new StreamReader(httpRequest.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        var pathText = path.HasValue && path.Value!.Length > 0 ? path.Value! : "/";
        string? openApiTemplate = null;
        if (TryGetOpenApi() is { } openApi)
        {
            openApi.TryMatch(httpRequest.Method, pathText, out openApiTemplate);
        }

        return new RecordedRequest
        {
            Method = httpRequest.Method.ToUpperInvariant(),
            Path = pathText,
            QueryString = httpRequest.QueryString.Value ?? string.Empty,
            Query = httpRequest.Query.ToDictionary(q => q.Key, q => q.Value.LastOrDefault() ?? string.Empty, StringComparer.Ordinal),
            Headers = httpRequest.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body,
            BaseAddress = new Uri($"{httpRequest.Scheme}://{httpRequest.Host}{prefix}/"),
            OpenApiTemplate = openApiTemplate,
        };
    }

    private static GitHubOpenApi? TryGetOpenApi()
    {
        try
        {
            return GitHubOpenApi.Default;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or JsonException)
        {
            // Annotation is best effort; AssertAllRequestsExistInOpenApi reports the load failure.
            return null;
        }
    }

    private (Route? Route, IReadOnlyDictionary<string, string> Values) FindRoute(RecordedRequest request)
    {
        Route? best = null;
        IReadOnlyDictionary<string, string> bestValues = PathTemplate.EmptyValues;
        foreach (var route in _routes)
        {
            if (route.TryMatch(request, out var values)
                && (best is null
                    || route.Query.Count > best.Query.Count
                    || (route.Query.Count == best.Query.Count && route.Order > best.Order)))
            {
                best = route;
                bestValues = values;
            }
        }

        return (best, bestValues);
    }

    private static async Task WriteAsync(HttpResponse httpResponse, FakeResponse response, CancellationToken cancellationToken)
    {
        httpResponse.StatusCode = response.StatusCode;
        var hasContentType = false;
        foreach (var (name, value) in response.Headers ?? PathTemplate.EmptyValues)
        {
            httpResponse.Headers[name] = value;
            hasContentType |= string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase);
        }

        if (response.BinaryBody is not null)
        {
            if (!hasContentType)
            {
                httpResponse.ContentType = "application/octet-stream";
            }

            await httpResponse.Body.WriteAsync(response.BinaryBody, cancellationToken);
        }
        else if (response.Body is not null)
        {
            if (!hasContentType)
            {
                httpResponse.ContentType = "application/json; charset=utf-8";
            }

            await httpResponse.WriteAsync(response.Body, Encoding.UTF8, cancellationToken);
        }
    }

    private static FakeResponse PagedResponse(RecordedRequest request, string[] pages, Dictionary<string, string>? extraHeaders)
    {
        var page = request.Query.TryGetValue("page", out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
                ? parsed
                : 1;
        var last = pages.Length;
        var headers = PageLinks(request, page, last);
        foreach (var (name, value) in extraHeaders ?? [])
        {
            headers[name] = value;
        }

        return FakeResponse.Json(page <= last ? pages[page - 1] : "[]", 200, headers);
    }

    /// <summary>GitHub's <c>Link</c> header for page <paramref name="page"/> of <paramref name="last"/> (none for a single page).</summary>
    private static Dictionary<string, string> PageLinks(RecordedRequest request, int page, int last)
    {
        var links = new List<string>();
        if (page > 1)
        {
            links.Add($"<{PageUrl(request, Math.Min(page - 1, last))}>; rel=\"prev\"");
        }

        if (page < last)
        {
            links.Add($"<{PageUrl(request, page + 1)}>; rel=\"next\"");
            links.Add($"<{PageUrl(request, last)}>; rel=\"last\"");
        }

        if (page > 1)
        {
            links.Add($"<{PageUrl(request, 1)}>; rel=\"first\"");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (links.Count > 0)
        {
            headers["Link"] = string.Join(", ", links);
        }

        return headers;
    }

    private static string PageUrl(RecordedRequest request, int page)
    {
        var url = new Uri(request.BaseAddress, request.Path.TrimStart('/')).AbsoluteUri;
        var query = request.Query
            .Where(q => !string.Equals(q.Key, "page", StringComparison.Ordinal))
            .Select(q => KeyValuePair.Create(q.Key, (string?)q.Value))
            .Append(KeyValuePair.Create("page", (string?)page.ToString(CultureInfo.InvariantCulture)));
        return QueryHelpers.AddQueryString(url, query);
    }

    private static string ResolveFile(string filePath)
    {
        if (Path.IsPathRooted(filePath))
        {
            return filePath;
        }

        var besideTests = Path.Combine(AppContext.BaseDirectory, filePath);
        return File.Exists(besideTests) ? besideTests : Path.Combine(RepositoryRoot.Path, filePath);
    }

    private void RegisterDefaultRoutes()
    {
        Respond("POST", InstallationTokenRoute, CreateInstallationToken);
        Respond("POST", CheckRunsRoute, CreateCheckRun);
        Respond("PATCH", CheckRunRoute, UpdateCheckRun);
        Respond("GET", CheckRunRoute, GetCheckRun);
        Respond("GET", CheckRunsForRefRoute, ListCheckRunsForRef);
    }

    // POST /app/installations/{installation_id}/access_tokens: needs the App JWT (three dot-separated parts).
    private FakeResponse CreateInstallationToken(RecordedRequest request)
    {
        var authorization = request.Header("Authorization");
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !LooksLikeJwt(authorization[7..].Trim()))
        {
            return FakeResponse.Error(401, "A JSON web token could not be decoded");
        }

        var installationId = request.RouteValues["installation_id"];
        var number = Interlocked.Increment(ref _lastTokenNumber);
        var expiresAt = TimeProvider.GetUtcNow().AddHours(1);
        var body = new JsonObject
        {
            ["token"] = string.Create(CultureInfo.InvariantCulture, $"ghs_fake_{installationId}_{number}"),
            ["expires_at"] = FormatTimestamp(expiresAt),
            ["permissions"] = new JsonObject { ["checks"] = "write", ["contents"] = "read", ["pull_requests"] = "read" },
            ["repository_selection"] = "all",
        };
        return FakeResponse.Json(body, 201);
    }

    private FakeResponse CreateCheckRun(RecordedRequest request)
    {
        if (RequireInstallationAuth(request) is { } denied)
        {
            return denied;
        }

        if (ParseObject(request.Body) is not { } checkRun)
        {
            return FakeResponse.Error(400, "Problems parsing JSON");
        }

        if (checkRun["name"] is null || checkRun["head_sha"] is null)
        {
            return FakeResponse.Error(422, "Invalid request. \"name\" and \"head_sha\" are required.");
        }

        var owner = request.RouteValues["owner"];
        var repo = request.RouteValues["repo"];
        lock (_gate)
        {
            var id = ++_lastCheckRunId;
            checkRun["id"] = id;
            checkRun["url"] = new Uri(request.BaseAddress, $"repos/{owner}/{repo}/check-runs/{id}").AbsoluteUri;
            checkRun["html_url"] = string.Create(CultureInfo.InvariantCulture, $"https://github.com/{owner}/{repo}/runs/{id}");
            checkRun["external_id"] ??= string.Empty;
            checkRun["started_at"] ??= FormatTimestamp(TimeProvider.GetUtcNow());
            NormalizeStatus(checkRun);
            _checkRuns.Add(new StoredCheckRun(owner, repo, checkRun));
            return FakeResponse.Json(checkRun.DeepClone(), 201);
        }
    }

    private FakeResponse UpdateCheckRun(RecordedRequest request)
    {
        if (RequireInstallationAuth(request) is { } denied)
        {
            return denied;
        }

        if (ParseObject(request.Body) is not { } update)
        {
            return FakeResponse.Error(400, "Problems parsing JSON");
        }

        lock (_gate)
        {
            if (FindCheckRun(request) is not { } stored)
            {
                return FakeResponse.NotFound();
            }

            foreach (var (name, value) in update)
            {
                if (name is not ("id" or "url" or "html_url"))
                {
                    stored.Json[name] = value?.DeepClone();
                }
            }

            NormalizeStatus(stored.Json);
            return FakeResponse.Json(stored.Json.DeepClone());
        }
    }

    private FakeResponse GetCheckRun(RecordedRequest request)
    {
        if (RequireInstallationAuth(request) is { } denied)
        {
            return denied;
        }

        lock (_gate)
        {
            return FindCheckRun(request) is { } stored ? FakeResponse.Json(stored.Json.DeepClone()) : FakeResponse.NotFound();
        }
    }

    // GET /repos/{owner}/{repo}/commits/{ref}/check-runs: {ref} is compared with head_sha; check_name and status filter.
    private FakeResponse ListCheckRunsForRef(RecordedRequest request)
    {
        if (RequireInstallationAuth(request) is { } denied)
        {
            return denied;
        }

        var owner = request.RouteValues["owner"];
        var repo = request.RouteValues["repo"];
        var gitRef = request.RouteValues["ref"];
        request.Query.TryGetValue("check_name", out var checkName);
        request.Query.TryGetValue("status", out var status);
        var runs = new JsonArray();
        lock (_gate)
        {
            foreach (var stored in _checkRuns)
            {
                if (stored.Is(owner, repo)
                    && StringEquals(stored.Json["head_sha"], gitRef)
                    && (checkName is null || StringEquals(stored.Json["name"], checkName))
                    && (status is null || StringEquals(stored.Json["status"], status)))
                {
                    runs.Add(stored.Json.DeepClone());
                }
            }
        }

        return FakeResponse.Json(new JsonObject { ["total_count"] = runs.Count, ["check_runs"] = runs });
    }

    private StoredCheckRun? FindCheckRun(RecordedRequest request)
    {
        if (!long.TryParse(request.RouteValues["check_run_id"], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        var owner = request.RouteValues["owner"];
        var repo = request.RouteValues["repo"];
        return _checkRuns.Find(c => c.Is(owner, repo) && c.Json["id"]?.GetValue<long>() == id);
    }

    private static FakeResponse? RequireInstallationAuth(RecordedRequest request) =>
        string.IsNullOrWhiteSpace(request.Header("Authorization")) ? FakeResponse.Error(401, "Requires authentication") : null;

    private static void NormalizeStatus(JsonObject checkRun)
    {
        // GitHub: giving a conclusion implies status "completed"; a new run without either is "queued".
        if (checkRun["conclusion"] is JsonValue && checkRun["status"] is null)
        {
            checkRun["status"] = "completed";
        }

        checkRun["status"] ??= "queued";
        if (!checkRun.ContainsKey("conclusion"))
        {
            checkRun["conclusion"] = null;
        }

        if (StringEquals(checkRun["status"], "completed"))
        {
            checkRun["completed_at"] ??= checkRun["started_at"]?.DeepClone();
        }
    }

    private static JsonObject? ParseObject(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool StringEquals(JsonNode? node, string value) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && string.Equals(s, value, StringComparison.Ordinal);

    private static bool LooksLikeJwt(string token)
    {
        var parts = token.Split('.');
        return parts.Length == 3 && parts.All(p => p.Length > 0);
    }

    private static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record StoredCheckRun(string Owner, string Repo, JsonObject Json)
    {
        public bool Is(string owner, string repo) =>
            string.Equals(Owner, owner, StringComparison.OrdinalIgnoreCase) && string.Equals(Repo, repo, StringComparison.OrdinalIgnoreCase);
    }

    private sealed record Route(
        string Method,
        string Pattern,
        PathTemplate Path,
        IReadOnlyDictionary<string, string> Query,
        Func<RecordedRequest, CancellationToken, Task<FakeResponse>> Responder)
    {
        public int Order { get; init; }

        public static Route Parse(string method, string pattern, Func<RecordedRequest, CancellationToken, Task<FakeResponse>> responder)
        {
            var queryStart = pattern.IndexOf('?', StringComparison.Ordinal);
            var path = queryStart < 0 ? pattern : pattern[..queryStart];
            if (path.StartsWith(EnterprisePrefix + "/", StringComparison.OrdinalIgnoreCase))
            {
                path = path[EnterprisePrefix.Length..];
            }

            if (!path.StartsWith('/'))
            {
                path = "/" + path;
            }

            var query = queryStart < 0
                ? PathTemplate.EmptyValues
                : QueryHelpers.ParseQuery(pattern[queryStart..]).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
            return new Route(method.ToUpperInvariant(), pattern, PathTemplate.Parse(path), query, responder);
        }

        public bool TryMatch(RecordedRequest request, out IReadOnlyDictionary<string, string> values)
        {
            values = PathTemplate.EmptyValues;
            return string.Equals(Method, request.Method, StringComparison.Ordinal)
                && Query.All(q => request.Query.TryGetValue(q.Key, out var actual) && string.Equals(actual, q.Value, StringComparison.Ordinal))
                && Path.TryMatch(request.Path, out values);
        }

        public bool Matches(RecordedRequest request) => TryMatch(request, out _);
    }
}
