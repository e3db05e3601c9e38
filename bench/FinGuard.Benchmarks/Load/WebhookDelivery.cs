using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Benchmarks.Load;

/// <summary>A signed webhook delivery body, ready to send any number of times.</summary>
public sealed class WebhookDelivery
{
    public const string Path = "api/github/webhooks";

    public WebhookDelivery(string eventName, byte[] body, string secret)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secret);
        Event = eventName;
        Body = body;
        Signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    public string Event { get; }

    public byte[] Body { get; }

    public string Signature { get; }

    /// <summary>A POST of this body with GitHub's headers and a fresh <c>X-GitHub-Delivery</c>.</summary>
    public HttpRequestMessage NewRequest(string deliveryId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", Event);
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        request.Headers.Add("X-GitHub-Hook-ID", "424242");
        request.Headers.Add("User-Agent", "GitHub-Hookshot/bench");
        request.Headers.Add("X-Hub-Signature-256", Signature);
        return request;
    }

    /// <summary>Sends it and reports whether the answer was 202 Accepted.</summary>
    public async Task<bool> SendAsync(HttpClient client, string deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = NewRequest(deliveryId);
        using var response = await client.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    /// <summary>GitHub's recorded <c>pull_request</c> <c>synchronize</c> delivery (<c>@octokit/webhooks-examples</c>).</summary>
    public static JsonObject RecordedSynchronizeExample() => WebhookExamples.First("pull_request", "synchronize");

    /// <summary>
    /// <paramref name="recordedExample"/> (see <see cref="RecordedSynchronizeExample"/>) adapted to
    /// <paramref name="scenario"/>, with the pull request body padded so the whole delivery is exactly
    /// <paramref name="targetBytes"/> bytes of UTF-8 JSON.
    /// </summary>
    public static byte[] PaddedPullRequestBody(PullRequestScenario scenario, JsonObject recordedExample, int targetBytes)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var payload = scenario.WebhookPayload(recordedExample, "synchronize", keepRecordedPull: true);
        var text = (string?)payload["pull_request"]!["body"] ?? string.Empty;
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        if (bytes.Length > targetBytes)
        {
            return bytes;
        }

        // Plain ASCII words need no JSON escaping, so each added character adds exactly one byte.
        const string Filler = "Settlement batch reconciliation notes for the payments ledger. ";
        var missing = targetBytes - bytes.Length;
        var padding = new StringBuilder(missing);
        while (padding.Length < missing)
        {
            padding.Append(Filler);
        }

        payload["pull_request"]!["body"] = text + padding.ToString(0, missing);
        var padded = Encoding.UTF8.GetBytes(payload.ToJsonString());
        if (padded.Length != targetBytes)
        {
            throw new InvalidOperationException($"Padding produced {padded.Length} bytes instead of {targetBytes}.");
        }

        return padded;
    }

    /// <summary>One loopback client for a whole run: up to <paramref name="connections"/> keep-alive connections.</summary>
    public static HttpClient NewClient(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AllowAutoRedirect = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
}
