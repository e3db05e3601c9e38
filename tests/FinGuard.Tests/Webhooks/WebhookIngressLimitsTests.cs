using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using FinGuard.Webhooks;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Webhooks;

/// <summary>
/// What the ingress holds for requests that are unsigned, slow or too many, on a real loopback Kestrel with raw
/// sockets (so a body can be left unsent): an unsigned request is refused from its headers, a body Kestrel times out
/// is answered without an unhandled exception, and bodies past <c>Webhooks:MaxInFlightBodyBytes</c> get 503.
/// </summary>
public sealed class WebhookIngressLimitsTests : IAsyncLifetime, IDisposable
{
    private const long Budget = 2 * 1024 * 1024;
    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        var settings = FinGuardHost.LocalSettings(folder);
        settings["Webhooks:MaxInFlightBodyBytes"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
        host = await FinGuardHost.StartAsync(settings, builder => builder.Logging.AddProvider(logs));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose() => logs.Dispose();

    private IDeliveryInbox Inbox => host.Services.GetRequiredService<IDeliveryInbox>();

    private static string Sign(byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(FinGuardHost.WebhookSecret), body));

    /// <summary>A ping padded with whitespace to <paramref name="length"/> bytes.</summary>
    private static byte[] PaddedPing(int length)
    {
        var ping = Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString());
        var body = new byte[length];
        body.AsSpan().Fill((byte)' ');
        ping.AsSpan(0, ping.Length - 1).CopyTo(body);
        body[^1] = (byte)'}';
        return body;
    }

    /// <summary>Opens a connection and sends a delivery's headers (and <paramref name="signature"/>, if any), announcing <paramref name="contentLength"/>.</summary>
    private async Task<(TcpClient Socket, NetworkStream Stream)> SendHeadAsync(string deliveryId, long contentLength, string? signature)
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = socket.GetStream();
        var head = new StringBuilder()
            .Append("POST /api/github/webhooks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n")
            .Append("X-GitHub-Event: ping\r\nX-GitHub-Delivery: ").Append(deliveryId).Append("\r\n")
            .Append(signature is null ? "" : $"X-Hub-Signature-256: {signature}\r\n")
            .Append("Content-Length: ").Append(contentLength).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        return (socket, stream);
    }

    /// <summary>The response's status line and headers.</summary>
    private static async Task<string> ReadResponseHeadAsync(NetworkStream stream, TimeSpan timeout)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(timeout);
        while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return Encoding.ASCII.GetString([.. received]);
    }

    [Fact]
    public async Task An_unsigned_request_announcing_24_MiB_is_refused_from_its_headers_without_waiting_for_the_body()
    {
        var id = Guid.NewGuid().ToString();
        var (socket, stream) = await SendHeadAsync(id, 24L * 1024 * 1024, signature: null);
        using (socket)
        {
            await stream.WriteAsync("{\"zen\":"u8.ToArray());
            var clock = Stopwatch.StartNew();

            // Kestrel's minimum body data rate would end a read body only after its 5 s grace period: an answer well
            // before that was given without reading.
            var response = await ReadResponseHeadAsync(stream, TimeSpan.FromSeconds(30));

            Assert.StartsWith("HTTP/1.1 401", response, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"answered after {clock.Elapsed}");
        }

        Assert.Equal(0, host.Services.GetRequiredService<WebhookBodyBudget>().InFlightBytes);
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_sent_too_slowly_is_answered_408_without_an_unhandled_exception()
    {
        var id = Guid.NewGuid().ToString();
        var (socket, stream) = await SendHeadAsync(id, 26_000_000, Sign(PaddedPing(26_000_000)));
        using (socket)
        {
            await stream.WriteAsync("{\""u8.ToArray());

            var response = await ReadResponseHeadAsync(stream, TimeSpan.FromSeconds(60));

            Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        }

        await Eventually.GetAsync(() => host.Services.GetRequiredService<WebhookBodyBudget>().InFlightBytes == 0 ? "" : null, () => "the slow body's bytes were not released");
        Assert.DoesNotContain(logs.Lines, l => l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Signed_bodies_past_the_in_flight_budget_get_503_with_Retry_After_and_are_taken_once_it_frees()
    {
        var budget = host.Services.GetRequiredService<WebhookBodyBudget>();
        var slowId = Guid.NewGuid().ToString();
        var slowBody = PaddedPing(1536 * 1024);
        var (socket, stream) = await SendHeadAsync(slowId, slowBody.Length, Sign(slowBody));
        using (socket)
        {
            // The first 1.2 MiB: the ingress now holds more than half the budget for this request.
            var sent = 1228 * 1024;
            await stream.WriteAsync(slowBody.AsMemory(0, sent));
            await Eventually.GetAsync(() => budget.InFlightBytes > Budget / 2 ? "" : null, () => $"the first body holds {budget.InFlightBytes} bytes");

            var refusedId = Guid.NewGuid().ToString();
            var otherBody = PaddedPing(1536 * 1024);
            using (var refused = await host.Client.SendAsync(FinGuardHost.Delivery("ping", otherBody, deliveryId: refusedId)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Contains("/ingress-busy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Null(await Inbox.GetAsync(refusedId, CancellationToken.None));

            await stream.WriteAsync(slowBody.AsMemory(sent));
            var response = await ReadResponseHeadAsync(stream, TimeSpan.FromSeconds(30));
            Assert.StartsWith("HTTP/1.1 202", response, StringComparison.Ordinal);

            // GitHub's redelivery of the refused one, once the first is done.
            await Eventually.GetAsync(() => budget.InFlightBytes == 0 ? "" : null, () => $"{budget.InFlightBytes} bytes still held");
            using var redelivered = await host.Client.SendAsync(FinGuardHost.Delivery("ping", otherBody, deliveryId: refusedId));
            Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        }

        Assert.NotNull(await Inbox.GetAsync(slowId, CancellationToken.None));
        Assert.Contains(logs.Lines, l => l.Contains("Webhooks:MaxInFlightBodyBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_larger_than_the_budget_alone_is_still_accepted()
    {
        var id = Guid.NewGuid().ToString();
        var body = PaddedPing(3 * 1024 * 1024);

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(body, (await Inbox.GetAsync(id, CancellationToken.None))!.Delivery.Body.ToArray());
    }
}
