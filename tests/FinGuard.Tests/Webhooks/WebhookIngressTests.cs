using System.Net;
using System.Text;
using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Webhooks;

/// <summary>The webhook endpoint on a real Kestrel server with the embedded local storage backend.</summary>
public sealed class WebhookIngressTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FinGuardHost host = null!;

    public async Task InitializeAsync() => host = await FinGuardHost.StartAsync(FinGuardHost.LocalSettings(folder));

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    private static byte[] PingBody() => Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString());

    private IDeliveryInbox Inbox => host.Services.GetRequiredService<IDeliveryInbox>();

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_signed_delivery_is_persisted_before_the_202()
    {
        var body = PingBody();
        var id = Guid.NewGuid().ToString();

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var ack = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("accepted", ack.RootElement.GetProperty("status").GetString());
        var stored = await Inbox.GetAsync(id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("ping", stored.Delivery.Event);
        Assert.Equal(body, stored.Delivery.Body.ToArray());
    }

    [Fact]
    public async Task The_same_delivery_id_twice_is_acknowledged_as_duplicate_and_stored_once()
    {
        var id = Guid.NewGuid().ToString();
        var body = PingBody();

        using var first = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, deliveryId: id));
        using var second = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        using var ack = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal("duplicate", ack.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_signed_delivery_reusing_a_stored_id_with_another_body_keeps_the_first_and_is_counted_as_reused()
    {
        var id = Guid.NewGuid().ToString();
        var first = PingBody();
        var other = Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString().Replace("\"zen\"", "\"zen2\"", StringComparison.Ordinal));
        Assert.NotEqual(first, other);
        using var metrics = new FinGuard.Tests.Telemetry.FinGuardMeasurements(host.Services);

        using (var accepted = await host.Client.SendAsync(FinGuardHost.Delivery("ping", first, deliveryId: id)))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var replay = await host.Client.SendAsync(FinGuardHost.Delivery("ping", other, deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Contains("different body", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(first, (await Inbox.GetAsync(id, CancellationToken.None))!.Delivery.Body.ToArray());
        Assert.Equal(1, metrics.Sum(FinGuard.Telemetry.FinGuardTelemetry.Instruments.DeliveryIdsReused));
    }

    [Fact]
    public async Task A_reused_delivery_id_with_a_different_body_is_an_exception_record_in_the_repository_chain()
    {
        var id = Guid.NewGuid().ToString();
        var push = WebhookExamples.All("push").First(p => (string?)p["ref"] == "refs/heads/master" && p["installation"] is not null);
        var repository = (string)push["repository"]!["full_name"]!;
        var first = Encoding.UTF8.GetBytes(push.ToJsonString());
        push["after"] = "0123456789abcdef0123456789abcdef01234567";
        var other = Encoding.UTF8.GetBytes(push.ToJsonString());
        using (var accepted = await host.Client.SendAsync(FinGuardHost.Delivery("push", first, deliveryId: id)))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var replay = await host.Client.SendAsync(FinGuardHost.Delivery("push", other, deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var record = Assert.Single(await host.EvidenceRecordsAsync(repository, 1));
        Assert.Equal(("exception.recorded", "delivery", id, id), (record.Action, record.Subject.Type, record.Subject.Id, record.DeliveryId));
        Assert.Equal(Core.Evidence.EvidenceExceptionRecord.DeliveryIdReused, record.Exception!.Type);
        Assert.Equal(Core.Evidence.CanonicalJson.Sha256Hex(other), record.Subject.HeadSha);
        var fact = Assert.Single(record.Facts).Body;
        Assert.Equal(Core.Evidence.CanonicalJson.Sha256Hex(first), fact.GetProperty("firstBodySha256").GetString());
        Assert.Equal(Core.Evidence.CanonicalJson.Sha256Hex(other), fact.GetProperty("bodySha256").GetString());
        using var document = JsonDocument.Parse(Core.Evidence.EvidenceSerializer.ToCanonicalBytes(record));
        var errors = FinGuard.Tests.Evidence.EvidenceSchemaTests.Schema().Validate(document.RootElement);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public async Task A_forged_signature_is_401_and_nothing_is_stored()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("ping", PingBody(), secret: "not-the-secret", deliveryId: id));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.EndsWith("/invalid-signature", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_signature_is_401_with_its_own_problem_type()
    {
        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("ping", PingBody(), secret: null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.EndsWith("/missing-signature", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_body_with_the_original_signature_is_401()
    {
        var body = PingBody();
        using var request = FinGuardHost.Delivery("ping", body);
        var tampered = (byte[])body.Clone();
        tampered[^2] ^= 0x01;
        request.Content = new ByteArrayContent(tampered);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("X-GitHub-Event")]
    [InlineData("X-GitHub-Delivery")]
    public async Task A_missing_github_header_is_400_naming_it(string header)
    {
        using var request = FinGuardHost.Delivery("ping", PingBody());
        request.Headers.Remove(header);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Contains(header, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_with_a_valid_signature_is_400_and_not_stored()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", Encoding.UTF8.GetBytes("{\"action\": \"opened\", "), deliveryId: id));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.EndsWith("/malformed-json", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Invalid_UTF_8_inside_a_string_with_a_valid_signature_is_400_and_not_stored()
    {
        // A real pull_request payload whose title carries a lone continuation byte: valid JSON syntax, not UTF-8 text.
        var id = Guid.NewGuid().ToString();
        var json = WebhookExamples.First("pull_request", "opened");
        json["pull_request"]!["title"] = "Fix @@INVALID@@ rounding";
        var text = Encoding.UTF8.GetBytes(json.ToJsonString());
        var marker = "@@INVALID@@"u8;
        var at = text.AsSpan().IndexOf(marker);
        var body = new byte[text.Length - marker.Length + 1];
        text.AsSpan(0, at).CopyTo(body);
        body[at] = 0x80;
        text.AsSpan(at + marker.Length).CopyTo(body.AsSpan(at + 1));

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: id));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.EndsWith("/malformed-json", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains($"byte offset {at}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_json_array_body_is_400()
    {
        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", "[1,2]"u8.ToArray()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_event_is_202_ignored_and_not_stored()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await host.Client.SendAsync(FinGuardHost.Delivery("star", "{\"action\":\"created\"}"u8.ToArray(), deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var ack = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ignored", ack.RootElement.GetProperty("status").GetString());
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_over_25_MiB_is_413_and_not_stored()
    {
        var id = Guid.NewGuid().ToString();
        var body = new byte[(25 * 1024 * 1024) + 1];
        body.AsSpan().Fill((byte)' ');
        body[0] = (byte)'{';
        body[^1] = (byte)'}';

        using var request = FinGuardHost.Delivery("ping", body, deliveryId: id);
        // Like GitHub's sender, wait for the server's go-ahead: the server refuses on Content-Length without reading the body.
        request.Headers.ExpectContinue = true;

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.EndsWith("/payload-too-large", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    /// <summary>A ping padded with whitespace to <paramref name="length"/> bytes: still valid JSON, and signed as such.</summary>
    private static byte[] PaddedPing(int length)
    {
        var ping = PingBody();
        var body = new byte[length];
        body.AsSpan().Fill((byte)' ');
        ping.AsSpan(0, ping.Length - 1).CopyTo(body);
        body[^1] = (byte)'}';
        return body;
    }

    /// <summary>The same signed request, its body sent with chunked transfer encoding (no Content-Length).</summary>
    private static HttpRequestMessage Chunked(HttpRequestMessage request, byte[] body)
    {
        request.Content = new StreamContent(new NonSeekableStream(body));
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TransferEncodingChunked = true;
        return request;
    }

    [Theory]
    [InlineData(3 * 1024 * 1024, false)]
    [InlineData(200 * 1024, true)]
    [InlineData(3 * 1024 * 1024, true)]
    public async Task A_body_above_the_preallocated_size_or_without_Content_Length_is_stored_byte_for_byte(int length, bool chunked)
    {
        var id = Guid.NewGuid().ToString();
        var body = PaddedPing(length);
        using var request = FinGuardHost.Delivery("ping", body, deliveryId: id);
        if (chunked)
        {
            Chunked(request, body);
        }

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await Inbox.GetAsync(id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(body, stored.Delivery.Body.ToArray());
    }

    [Fact]
    public async Task A_chunked_body_over_25_MiB_is_413_and_not_stored()
    {
        var id = Guid.NewGuid().ToString();
        var body = PaddedPing((25 * 1024 * 1024) + 1);
        using var request = Chunked(FinGuardHost.Delivery("ping", body, deliveryId: id), body);

        HttpResponseMessage? response = null;
        try
        {
            response = await host.Client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // The server may answer and close before the client has sent the rest; then only the store is checked.
        }

        using (response)
        {
            if (response is not null)
            {
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            }
        }

        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_cut_short_of_its_Content_Length_is_not_stored_and_not_a_server_error()
    {
        var id = Guid.NewGuid().ToString();
        var body = PingBody();
        var signature = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(FinGuardHost.WebhookSecret), body));
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(host.Client.BaseAddress!.Host, host.Client.BaseAddress.Port);
        var stream = socket.GetStream();
        var head = $"POST /api/github/webhooks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\n" +
            $"X-GitHub-Delivery: {id}\r\nX-Hub-Signature-256: {signature}\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        socket.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        using var reader = new StreamReader(stream, Encoding.ASCII);
        string? statusLine;
        try
        {
            statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (IOException)
        {
            statusLine = null; // the server reset the connection
        }

        // Kestrel answers a request body that ends early with 400, or closes or resets the connection; never a 5xx,
        // and nothing is stored.
        if (!string.IsNullOrEmpty(statusLine))
        {
            Assert.StartsWith("HTTP/1.1 4", statusLine, StringComparison.Ordinal);
        }

        Assert.Null(await Inbox.GetAsync(id, CancellationToken.None));
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task Healthz_is_alive()
    {
        using var response = await host.Client.GetAsync(new Uri("healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_reports_each_check_and_is_503_without_app_credentials()
    {
        using var response = await host.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.True(checks["storage"]);
        Assert.True(checks["webhook-secret"]);
        Assert.False(checks["github-app"]);
    }
}

/// <summary>A fresh install without a webhook secret: the server starts, but rejects every delivery.</summary>
public sealed class WebhookWithoutSecretTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FinGuardHost host = null!;

    public async Task InitializeAsync() => host = await FinGuardHost.StartAsync(FinGuardHost.LocalSettings(folder, secret: null));

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Every_delivery_is_503_even_a_correctly_signed_one()
    {
        var body = Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString());

        using var unsigned = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, secret: null));
        using var signed = await host.Client.SendAsync(FinGuardHost.Delivery("ping", body, secret: "anything"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, signed.StatusCode);
        using var problem = JsonDocument.Parse(await signed.Content.ReadAsStringAsync());
        Assert.Contains("GitHub:WebhookSecret", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_says_why()
    {
        using var response = await host.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("GitHub:WebhookSecret is not configured", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
