using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using Microsoft.Extensions.Options;

namespace FinGuard.GitHub.Deliveries;

/// <summary>One attempt GitHub made to deliver a webhook to the App (<c>GET /app/hook/deliveries</c>).</summary>
/// <param name="Id">The attempt's id (what <c>POST /app/hook/deliveries/{id}/attempts</c> redelivers).</param>
/// <param name="DeliveryGuid">The delivery's <c>X-GitHub-Delivery</c>, shared by every attempt of it.</param>
/// <param name="DeliveredAt">When GitHub made the attempt.</param>
/// <param name="Redelivery">Whether the attempt was a redelivery.</param>
/// <param name="StatusCode">FinGuard's HTTP answer; 0 when GitHub got none (timeout, connection refused).</param>
/// <param name="Event">The event name.</param>
/// <param name="Action">The event's action, if any.</param>
public sealed record HookDelivery(long Id, string DeliveryGuid, DateTimeOffset DeliveredAt, bool Redelivery, int StatusCode, string Event, string? Action);

/// <summary>
/// The App's webhook delivery log, authenticated as the App (JWT): list the failed attempts since a time and ask
/// GitHub to send one again. GitHub keeps the log for three days.
/// </summary>
public sealed class HookDeliveriesClient(HttpClient http, AppJwtFactory jwt, IOptions<GitHubAppOptions> options)
{
    /// <summary>Most pages read per listing (100 attempts each).</summary>
    public const int MaxPages = 10;

    /// <summary>
    /// Failed attempts (GitHub's <c>status=failure</c>), newest first, back to <paramref name="since"/> (the page
    /// holding it is read whole) or <see cref="MaxPages"/> pages.
    /// </summary>
    public async Task<IReadOnlyList<HookDelivery>> ListFailedAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var result = new List<HookDelivery>();
        Uri? next = new(options.Value.GetApiBaseAddress(), "app/hook/deliveries?per_page=100&status=failure");
        for (var page = 0; next is not null && page < MaxPages; page++)
        {
            using var request = Request(HttpMethod.Get, next);
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new GitHubApiException("GET /app/hook/deliveries", response.StatusCode, null);
            }

            var attempts = Parse(body);
            result.AddRange(attempts);
            if (attempts.Count == 0 || attempts.Min(a => a.DeliveredAt) < since)
            {
                break;
            }

            next = GitHubApiClient.NextLink(response) is { } link && SameHost(link) ? link : null;
        }

        return result;
    }

    /// <summary>Asks GitHub to deliver attempt <paramref name="attemptId"/>'s webhook again (GitHub answers 202).</summary>
    public async Task RedeliverAsync(long attemptId, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"app/hook/deliveries/{attemptId}/attempts");
        using var request = Request(HttpMethod.Post, new Uri(options.Value.GetApiBaseAddress(), path));
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new GitHubApiException("POST /" + path, response.StatusCode, null);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt.GetJwt());
        return request;
    }

    private bool SameHost(Uri link)
    {
        var api = options.Value.GetApiBaseAddress();
        return string.Equals(link.Host, api.Host, StringComparison.OrdinalIgnoreCase) && link.Port == api.Port;
    }

    private static List<HookDelivery> Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new GitHubApiException("GET /app/hook/deliveries returned something other than a JSON array.");
            }

            var result = new List<HookDelivery>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number
                    && item.TryGetProperty("guid", out var guid) && guid.GetString() is { } g
                    && item.TryGetProperty("delivered_at", out var at) && at.TryGetDateTimeOffset(out var deliveredAt))
                {
                    result.Add(new HookDelivery(
                        id.GetInt64(),
                        g,
                        deliveredAt,
                        item.TryGetProperty("redelivery", out var r) && r.ValueKind == JsonValueKind.True,
                        item.TryGetProperty("status_code", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0,
                        item.TryGetProperty("event", out var e) ? e.GetString() ?? "" : "",
                        item.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null));
                }
            }

            return result;
        }
        catch (JsonException ex)
        {
            throw new GitHubApiException("GET /app/hook/deliveries returned invalid JSON.", ex);
        }
    }

    /// <summary>Whether an attempt's answer means FinGuard may accept the delivery if it comes again: no answer, 5xx or 429.</summary>
    public static bool IsWorthRedelivering(int statusCode) =>
        statusCode == 0 || statusCode >= 500 || statusCode == (int)HttpStatusCode.TooManyRequests || statusCode == (int)HttpStatusCode.RequestTimeout;
}
