using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FinGuard.GitHub.Api;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Auth;

/// <summary>
/// Supplies installation access tokens: <c>POST {ApiBaseUrl}app/installations/{id}/access_tokens</c> with the
/// App JWT. A token is cached per installation and reused until less than <see cref="RefreshBefore"/> remains
/// before its <c>expires_at</c> (tokens live one hour); concurrent callers for the same installation share one
/// request. The cache and gates live in <see cref="InstallationTokenCache"/> so this class can be a typed client.
/// </summary>
public sealed partial class InstallationTokenProvider
{
    /// <summary>A cached token is replaced once less than this remains before it expires.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    internal const string ApiVersion = "2022-11-28";
    internal const string UserAgent = "FinGuard";

    private readonly HttpClient _httpClient;
    private readonly AppJwtFactory _jwtFactory;
    private readonly InstallationTokenCache _cache;
    private readonly GitHubAppOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<InstallationTokenProvider> _logger;

    public InstallationTokenProvider(
        HttpClient httpClient,
        AppJwtFactory jwtFactory,
        InstallationTokenCache cache,
        IOptions<GitHubAppOptions> options,
        TimeProvider timeProvider,
        ILogger<InstallationTokenProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(jwtFactory);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _httpClient = httpClient;
        _jwtFactory = jwtFactory;
        _cache = cache;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>A token for <paramref name="installationId"/>, from the cache when it has more than <see cref="RefreshBefore"/> left.</summary>
    /// <exception cref="GitHubAuthException">The App JWT could not be made, or GitHub refused for good (401, 404, a 403 without rate-limit headers).</exception>
    /// <exception cref="GitHubApiException">
    /// Transient, like any other GitHub call: GitHub could not be reached, timed out, answered 5xx, 408 or 429, or was
    /// rate limited — after the client's retries. A delivery that meets it is retried, not failed for good.
    /// </exception>
    public ValueTask<string> GetTokenAsync(long installationId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(installationId);
        var slot = _cache.GetSlot(installationId);
        return slot.Token is { } token && IsFresh(token)
            ? ValueTask.FromResult(token.Value)
            : new ValueTask<string>(RefreshAsync(installationId, slot, cancellationToken));
    }

    /// <summary>Forgets the cached token for <paramref name="installationId"/> (e.g. after a 401 using it).</summary>
    public void Invalidate(long installationId) => _cache.Invalidate(installationId);

    private async Task<string> RefreshAsync(long installationId, InstallationTokenCache.Slot slot, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have refreshed it while this one waited.
            if (slot.Token is { } token && IsFresh(token))
            {
                return token.Value;
            }

            token = await RequestTokenAsync(installationId, cancellationToken);
            slot.Token = token;
            LogTokenCreated(installationId, token.ExpiresAt);
            return token.Value;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private bool IsFresh(InstallationToken token) => _timeProvider.GetUtcNow() < token.ExpiresAt - RefreshBefore;

    private async Task<InstallationToken> RequestTokenAsync(long installationId, CancellationToken cancellationToken)
    {
        var relative = string.Create(CultureInfo.InvariantCulture, $"app/installations/{installationId}/access_tokens");
        var jwt = _jwtFactory.GetJwt();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.GetApiBaseAddress(), relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", ApiVersion);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue(UserAgent, null));

        HttpResponseMessage response;
        try
        {
            response = await _httpClient.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or TimeoutException or OperationCanceledException or Polly.ExecutionRejectedException)
        {
            // An outage at token time is the same outage as at any other call: transient, so the delivery is retried.
            throw GitHubApiException.Unreachable($"POST /{relative}", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                if (TransientFailure(relative, response, body, jwt) is { } transient)
                {
                    throw transient;
                }

                throw new GitHubAuthException(
                    DescribeFailure(installationId, relative, response.StatusCode, ReadMessage(body), jwt),
                    installationId,
                    response.StatusCode);
            }

            return ParseToken(installationId, response.StatusCode, body);
        }
    }

    /// <summary>
    /// A 5xx, 408, 429 or rate-limited 403 may succeed later, so it is a transient <see cref="GitHubApiException"/>, as
    /// for every other GitHub call; null for an answer that will not change (401, 404, a plain 403, 422).
    /// </summary>
    private GitHubApiException? TransientFailure(string relative, HttpResponseMessage response, byte[] body, string jwt)
    {
        var rateLimitedUntil = GitHubRateLimit.RetryAt(response, _timeProvider.GetUtcNow());
        var status = response.StatusCode;
        if (rateLimitedUntil is null && (int)status < 500 && status is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            return null;
        }

        var message = ReadMessage(body);
        return new GitHubApiException($"POST /{relative}", status, message is null || message.Contains(jwt, StringComparison.Ordinal) ? null : message, rateLimitedUntil);
    }

    private static InstallationToken ParseToken(long installationId, HttpStatusCode statusCode, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String
                && token.GetString() is { Length: > 0 } value
                && root.TryGetProperty("expires_at", out var expiresAt) && expiresAt.ValueKind == JsonValueKind.String
                && expiresAt.TryGetDateTimeOffset(out var expires))
            {
                return new InstallationToken(value, expires);
            }
        }
        catch (JsonException)
        {
            // Reported below without the body, which may hold a token.
        }

        throw new GitHubAuthException(
            $"GitHub answered {(int)statusCode} to the installation token request for installation {installationId} without a usable \"token\" and \"expires_at\".",
            installationId,
            statusCode);
    }

    private static string DescribeFailure(long installationId, string relative, HttpStatusCode statusCode, string? gitHubMessage, string jwt)
    {
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"GitHub refused to create an installation token for installation {installationId}: POST {relative} returned {(int)statusCode} {statusCode}.");
        if (gitHubMessage is not null && !gitHubMessage.Contains(jwt, StringComparison.Ordinal))
        {
            message += $" GitHub said: \"{(gitHubMessage.Length > 200 ? gitHubMessage[..200] + "…" : gitHubMessage)}\".";
        }

        return statusCode switch
        {
            HttpStatusCode.Unauthorized => message + $" Check {GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.AppId)}, the App's private key and this machine's clock.",
            HttpStatusCode.NotFound => message + " The App is not installed there, or the installation was removed.",
            HttpStatusCode.Forbidden => message + " The installation may be suspended or the App lacks the requested permissions.",
            _ => message,
        };
    }

    private static string? ReadMessage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                    ? message.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Created installation token for installation {InstallationId}, expires {ExpiresAt:O}")]
    private partial void LogTokenCreated(long installationId, DateTimeOffset expiresAt);
}
