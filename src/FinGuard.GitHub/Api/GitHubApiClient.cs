using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Auth;

namespace FinGuard.GitHub.Api;

/// <summary>One GitHub REST response, with the exact body bytes (kept as evidence).</summary>
/// <param name="Request">Method and path, e.g. <c>GET /repos/o/r/pulls/1</c> (no host, no token).</param>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">The raw response body.</param>
/// <param name="NextPage">The <c>rel="next"</c> link of a paginated response, if any.</param>
/// <param name="NotModified">GitHub answered <c>304 Not Modified</c> to a conditional GET; <paramref name="Body"/> is the cached 200 body it validated.</param>
public sealed record GitHubResponse(string Request, HttpStatusCode Status, byte[] Body, Uri? NextPage, bool NotModified = false)
{
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>A GitHub REST call that did not succeed. The message names the request and status, never a token.</summary>
public sealed class GitHubApiException : Exception
{
    public GitHubApiException(string request, HttpStatusCode status, string? gitHubMessage)
        : this(request, status, gitHubMessage, null)
    {
    }

    /// <summary>A failed answer; <paramref name="rateLimitedUntil"/> is when GitHub's rate limit resets, if it was one.</summary>
    public GitHubApiException(string request, HttpStatusCode status, string? gitHubMessage, DateTimeOffset? rateLimitedUntil)
        : base(Describe(request, status, gitHubMessage, rateLimitedUntil))
    {
        Request = request;
        Status = status;
        RateLimitedUntil = rateLimitedUntil;
    }

    public GitHubApiException()
    {
        Request = "";
    }

    public GitHubApiException(string message)
        : base(message)
    {
        Request = "";
    }

    public GitHubApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Request = "";
    }

    private GitHubApiException(string request, Exception transportFailure, bool unreachable)
        : base($"GitHub could not be reached for {request} (after retries): {transportFailure.Message}", transportFailure)
    {
        Request = request;
        IsUnreachable = unreachable;
    }

    public string Request { get; }

    /// <summary>The HTTP status; 0 when GitHub did not answer (<see cref="IsUnreachable"/>).</summary>
    public HttpStatusCode Status { get; }

    /// <summary>When GitHub's rate limit resets, for a rate-limited answer (403/429 with rate-limit headers); else null.</summary>
    public DateTimeOffset? RateLimitedUntil { get; }

    /// <summary>GitHub did not answer at all: connection failure or timeout, after the client's retries.</summary>
    public bool IsUnreachable { get; }

    /// <summary>
    /// True for failures that may succeed later (no answer, 5xx, 408, 429, a rate-limited 403); false for 4xx answers
    /// that will not change — a 403 without rate-limit headers is a permission problem and is not retried.
    /// </summary>
    public bool IsTransient => IsUnreachable || RateLimitedUntil is not null || (int)Status >= 500
        || Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    /// <summary>GitHub did not answer <paramref name="request"/>: a transient failure wrapping the transport error.</summary>
    public static GitHubApiException Unreachable(string request, Exception transportFailure) => new(request, transportFailure, unreachable: true);

    private static string Describe(string request, HttpStatusCode status, string? gitHubMessage, DateTimeOffset? rateLimitedUntil)
    {
        var text = $"GitHub answered {(int)status} {status} to {request}{(string.IsNullOrEmpty(gitHubMessage) ? "" : $": {gitHubMessage}")}";
        if (rateLimitedUntil is { } until)
        {
            return text + $" (rate limited until {until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}; retried after it resets)";
        }

        return status == HttpStatusCode.Forbidden
            ? text + " (no rate-limit headers: a permission problem — check the App's permissions and the installation's repository access; not retried)"
            : text;
    }
}

/// <summary>A download was larger than the caller's limit; nothing of it is kept.</summary>
public sealed class GitHubDownloadTooLargeException : Exception
{
    public GitHubDownloadTooLargeException(string request, long maxBytes)
        : base($"{request} returned more than {maxBytes} bytes, the limit; refused")
    {
        MaxBytes = maxBytes;
    }

    public GitHubDownloadTooLargeException()
    {
    }

    public GitHubDownloadTooLargeException(string message)
        : base(message)
    {
    }

    public GitHubDownloadTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public long MaxBytes { get; }
}

/// <summary>
/// A thin GitHub REST client authenticated as an installation. It returns raw bytes so that the exact
/// responses a decision was based on can be stored as evidence and replayed; parsing happens in the
/// snapshot parser, which the offline evaluator shares.
/// </summary>
public sealed class GitHubApiClient(HttpClient http, InstallationTokenProvider tokens, TimeProvider time, GitHubResponseCache cache)
{
    /// <summary>The most pages any list is read to: a compare of <see cref="Core.Policy.FinGuardPolicy.CommitReadLimit"/> commits, 100 a page.</summary>
    private const int MaxPages = 30;

    /// <summary>
    /// GET one resource; throws <see cref="GitHubApiException"/> unless 2xx. Conditional: a response GitHub sent with
    /// an ETag is cached (<see cref="GitHubResponseCache"/>) and asked for with <c>If-None-Match</c> next time; a
    /// <c>304</c> returns the cached body, byte for byte.
    /// </summary>
    public async Task<GitHubResponse> GetAsync(long installationId, string pathAndQuery, CancellationToken cancellationToken) =>
        await GetCoreAsync(installationId, pathAndQuery, notFoundIsNull: false, cancellationToken)
        ?? throw new InvalidOperationException("A GET that throws on 404 returned nothing.");

    /// <summary>
    /// As <see cref="GetAsync"/>, but a <c>404</c> — an absent policy file, a user who is not a team member — is null
    /// rather than an exception: absence is an ordinary answer there, and throwing it through the handler chain twice
    /// per evaluation was a measurable share of the worker's CPU.
    /// </summary>
    public Task<GitHubResponse?> GetIfExistsAsync(long installationId, string pathAndQuery, CancellationToken cancellationToken) =>
        GetCoreAsync(installationId, pathAndQuery, notFoundIsNull: true, cancellationToken);

    private async Task<GitHubResponse?> GetCoreAsync(long installationId, string pathAndQuery, bool notFoundIsNull, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        var key = pathAndQuery.TrimStart('/');
        using var request = await CreateRequestAsync(HttpMethod.Get, installationId, key, cancellationToken);
        var cached = cache.TryGet(installationId, key);
        if (cached is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", cached.ETag);
        }

        var description = Describe(request);
        using var response = await TransportAsync(request, description, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            return new GitHubResponse(description, HttpStatusCode.OK, cached.Body, cached.NextPage, NotModified: true);
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            cache.Remove(installationId, key);
            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            throw Failure(description, response, body);
        }

        var result = new GitHubResponse(description, response.StatusCode, body, NextLink(response));
        if (response.Headers.ETag is { } etag)
        {
            cache.Set(installationId, key, etag.ToString(), body, result.NextPage);
        }

        return result;
    }

    /// <summary>GET every page of a list (following <c>Link: rel="next"</c>), at most <paramref name="maxPages"/> pages.</summary>
    public async Task<IReadOnlyList<GitHubResponse>> GetPagesAsync(long installationId, string pathAndQuery, int maxPages, CancellationToken cancellationToken)
    {
        var pages = new List<GitHubResponse>();
        var next = pathAndQuery;
        while (next is not null && pages.Count < Math.Min(maxPages, MaxPages))
        {
            var page = await GetAsync(installationId, next, cancellationToken);
            pages.Add(page);
            next = page.NextPage is null ? null : RelativeTo(page.NextPage);
        }

        return pages;
    }

    /// <summary>
    /// GET a binary resource (a workflow artifact zip) of at most <paramref name="maxBytes"/> bytes. GitHub answers
    /// with a redirect to short-lived storage URL; the handler follows it and, being .NET's redirect handler, does
    /// not send the installation token to the storage host.
    /// </summary>
    public async Task<byte[]> DownloadAsync(long installationId, string path, long maxBytes, CancellationToken cancellationToken)
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, installationId, path, cancellationToken);
        var description = Describe(request);
        using var response = await TransportAsync(request, description, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            throw Failure(description, response, error);
        }

        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new GitHubDownloadTooLargeException(description, maxBytes);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new GitHubDownloadTooLargeException(description, maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>POST or PATCH a JSON body; returns the response.</summary>
    public async Task<GitHubResponse> SendJsonAsync(HttpMethod method, long installationId, string path, JsonNode body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var request = await CreateRequestAsync(method, installationId, path, cancellationToken);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await SendAsync(request, cancellationToken);
    }

    private string RelativeTo(Uri next)
    {
        var baseUri = http.BaseAddress ?? throw new InvalidOperationException("The GitHub HttpClient has no base address.");
        if (!string.Equals(next.Host, baseUri.Host, StringComparison.OrdinalIgnoreCase) || next.Port != baseUri.Port)
        {
            throw new GitHubApiException($"GitHub returned a pagination link to another host ({next.Host}); refusing to follow it.");
        }

        var relative = baseUri.MakeRelativeUri(next).ToString();
        return relative;
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, long installationId, string pathAndQuery, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(installationId, cancellationToken);
        var request = new HttpRequestMessage(method, new Uri(pathAndQuery.TrimStart('/'), UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Options.Set(GitHubTelemetryHandler.InstallationKey, installationId);
        return request;
    }

    private async Task<GitHubResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var description = Describe(request);
        using var response = await TransportAsync(request, description, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Failure(description, response, body);
        }

        return new GitHubResponse(description, response.StatusCode, body, NextLink(response));
    }

    /// <summary><c>GET /repos/o/r/pulls/1</c>: method and path, without host, query or token — what messages and evidence name.</summary>
    private static string Describe(HttpRequestMessage request) => $"{request.Method} /{request.RequestUri!.OriginalString.Split('?')[0]}";

    /// <summary>Sends through the handler chain; a transport failure or timeout that outlived the retries becomes a transient <see cref="GitHubApiException"/>.</summary>
    private async Task<HttpResponseMessage> TransportAsync(HttpRequestMessage request, string description, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or TimeoutException or TaskCanceledException or Polly.ExecutionRejectedException)
        {
            throw GitHubApiException.Unreachable(description, ex);
        }
    }

    private GitHubApiException Failure(string description, HttpResponseMessage response, byte[] body)
    {
        var message = TryReadMessage(body);
        var rateLimitedUntil = GitHubRateLimit.RetryAt(response, time.GetUtcNow());
        if (rateLimitedUntil is null && response.StatusCode == HttpStatusCode.Forbidden
            && message?.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A secondary rate limit sometimes comes without headers; GitHub's advice is to wait at least a minute.
            rateLimitedUntil = time.GetUtcNow() + GitHubRateLimit.UnspecifiedWait;
        }

        return new GitHubApiException(description, response.StatusCode, message, rateLimitedUntil);
    }

    private static string? TryReadMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m)
                ? m.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static Uri? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var part in values.SelectMany(v => v.Split(',')))
        {
            var segments = part.Split(';');
            if (segments.Length >= 2 && segments.Skip(1).Any(s => s.Trim() == "rel=\"next\""))
            {
                var url = segments[0].Trim().TrimStart('<').TrimEnd('>');
                return Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
            }
        }

        return null;
    }
}
