using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.GitHub.Webhooks;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace FinGuard.Tests.Webhooks;

/// <summary>A running host with the local storage backend, shared by the properties (starting one per case is slow).</summary>
public sealed class IngressHost : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();

    public FinGuardHost Host { get; private set; } = null!;

    public IDeliveryInbox Inbox => Host.Services.GetRequiredService<IDeliveryInbox>();

    public async Task InitializeAsync() => Host = await FinGuardHost.StartAsync(FinGuardHost.LocalSettings(folder));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        TempDirectory.Delete(folder);
    }
}

/// <summary>
/// Property: a correctly signed delivery of any body — random bytes, truncated or type-mangled real payloads from
/// <c>@octokit/webhooks-examples</c>, huge arrays, deep nesting — gets a 4xx or a 202, never a 5xx; a rejected delivery
/// is not in the inbox and an accepted one is stored byte for byte. And the worker fails a stored payload it cannot
/// parse permanently, with the reason, and keeps working.
/// </summary>
public sealed class WebhookIngressPropertyTests(IngressHost fixture) : IClassFixture<IngressHost>
{
    [Property(MaxTest = 300)]
    public bool Random_bytes_get_a_4xx_or_202(byte[] bytes, bool asPullRequest) => Ingress(asPullRequest ? "pull_request" : "check_run", bytes ?? []);

    [Property(MaxTest = 300, Arbitrary = new[] { typeof(WebhookArbitraries) })]
    public bool Truncated_real_payloads_get_a_4xx_or_202(WebhookTruncation truncation)
    {
        var bytes = truncation.Example.Bytes();
        return Ingress(truncation.Example.Event, bytes[..(truncation.Fraction * bytes.Length / 1000)]);
    }

    [Property(MaxTest = 400, Arbitrary = new[] { typeof(WebhookArbitraries) })]
    public bool Real_payloads_with_values_of_the_wrong_type_get_a_4xx_or_202(WebhookMutation mutation) => Ingress(mutation.Example.Event, mutation.Apply());

    [Property(MaxTest = 12, Arbitrary = new[] { typeof(WebhookArbitraries) })]
    public bool Real_payloads_with_huge_arrays_get_a_4xx_or_202(WebhookHugeArray huge) => Ingress(huge.Example.Event, huge.Apply());

    [Fact]
    public async Task A_stored_payload_that_cannot_be_parsed_is_failed_permanently_with_the_reason_and_the_worker_goes_on()
    {
        var cases = new Dictionary<string, string>
        {
            ["pull_request"] = """{"action":"opened","number":"forty-two","pull_request":7,"installation":{"id":1},"repository":{"full_name":"o/r"}}""",
            ["pull_request_review"] = """{"action":"submitted","review":[],"installation":{"id":1},"repository":{"full_name":"o/r"}}""",
            ["check_run"] = """{"action":"rerequested","check_run":{"id":"x"},"installation":{"id":1},"repository":{"full_name":"o/r"}}""",
            ["deployment_protection_rule"] = """{"action":"requested","environment":{"name":5},"installation":{"id":1},"repository":{"full_name":"o/r"}}""",
        };
        var ids = new Dictionary<string, string>();
        foreach (var (eventName, json) in cases)
        {
            var id = Guid.NewGuid().ToString();
            using var response = await fixture.Host.Client.SendAsync(FinGuardHost.Delivery(eventName, Encoding.UTF8.GetBytes(json), deliveryId: id));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids[eventName] = id;
        }

        foreach (var (eventName, id) in ids)
        {
            var failed = await Eventually.GetAsync(
                () => fixture.Inbox.GetAsync(id, CancellationToken.None).Result is { State: DeliveryState.Failed } s ? s : null,
                () => $"the unparseable {eventName} delivery was not failed: {fixture.Inbox.GetAsync(id, CancellationToken.None).Result}");
            Assert.Equal(1, failed.Attempts);
            Assert.Contains($"The {eventName} payload cannot be read", failed.LastError, StringComparison.Ordinal);
        }

        // The worker is still there.
        var ping = Guid.NewGuid().ToString();
        using (await fixture.Host.Client.SendAsync(FinGuardHost.Delivery("ping", Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString()), deliveryId: ping)))
        {
        }

        await Eventually.GetAsync(
            () => fixture.Inbox.GetAsync(ping, CancellationToken.None).Result is { State: DeliveryState.Completed } s ? s : null,
            () => "a ping after the unparseable deliveries was not processed");
    }

    /// <summary>Sends a signed delivery; true when the answer is 202 (stored, or ignored) or 4xx (not stored).</summary>
    private bool Ingress(string eventName, byte[] body)
    {
        var id = Guid.NewGuid().ToString();
        using var response = fixture.Host.Client.SendAsync(FinGuardHost.Delivery(eventName, body, deliveryId: id)).GetAwaiter().GetResult();
        var status = (int)response.StatusCode;
        var answer = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        var stored = fixture.Inbox.GetAsync(id, CancellationToken.None).GetAwaiter().GetResult();
        string Describe() => $"{eventName} delivery of {body.Length} bytes got {status}: {answer[..Math.Min(answer.Length, 500)]}\nbody: {Encoding.UTF8.GetString(body[..Math.Min(body.Length, 1000)])}";

        if (status == 202)
        {
            using var ack = JsonDocument.Parse(answer);
            var accepted = ack.RootElement.GetProperty("status").GetString() == "accepted";
            Assert.True(!accepted || (stored is not null && stored.Delivery.Body.Span.SequenceEqual(body)), "accepted but not stored as sent: " + Describe());
            Assert.True(accepted || stored is null, "ignored but stored: " + Describe());
            return true;
        }

        Assert.True(status is >= 400 and < 500, Describe());
        Assert.True(stored is null, "rejected but in the inbox: " + Describe());
        return true;
    }
}

/// <summary>One recorded example of a supported event.</summary>
public sealed record WebhookExample(string Event, int Index)
{
    private static readonly Lazy<WebhookExample[]> AllExamples = new(() =>
        [.. WebhookEvents.Supported.Order(StringComparer.Ordinal)
            .SelectMany(e => WebhookExamples.All(e).Select((_, i) => new WebhookExample(e, i)))]);

    public static WebhookExample[] All => AllExamples.Value;

    public JsonObject Json() => WebhookExamples.All(Event)[Index];

    public byte[] Bytes() => Encoding.UTF8.GetBytes(Json().ToJsonString());

    public override string ToString() => $"{Event}[{Index}] ({(string?)Json()["action"]})";
}

/// <summary>The first <see cref="Fraction"/>/1000 of an example's bytes.</summary>
public sealed record WebhookTruncation(WebhookExample Example, int Fraction);

/// <summary>An example with the nodes at document-order positions replaced by JSON text of another type (or removed).</summary>
public sealed record WebhookMutation(WebhookExample Example, (int Position, string? Json)[] Edits)
{
    public byte[] Apply()
    {
        var root = Example.Json();
        var splices = new Dictionary<string, string>();
        foreach (var (position, json) in Edits)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            if (nodes.Count == 0)
            {
                break;
            }

            var target = nodes[position % nodes.Count];
            if (json is null && target.Parent is JsonObject owner)
            {
                owner.Remove(target.GetPropertyName());
            }
            else if (json is null && target.Parent is JsonArray array)
            {
                array.RemoveAt(target.GetElementIndex());
            }
            else
            {
                var marker = $"__finguard_splice_{splices.Count}__";
                splices[$"\"{marker}\""] = json ?? "null";
                target.ReplaceWith(marker);
            }
        }

        var text = new StringBuilder(root.ToJsonString());
        foreach (var (marker, json) in splices)
        {
            text.Replace(marker, json);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public override string ToString() => $"{Example}: {string.Join("; ", Edits.Select(e => $"#{e.Position} -> {e.Json ?? "remove"}"))}";

    /// <summary>Nodes near the root first (installation, repository, action, number…), then the rest in document order.</summary>
    private static void Collect(JsonNode root, List<JsonNode> nodes)
    {
        var queue = new Queue<JsonNode>([root]);
        while (queue.TryDequeue(out var node))
        {
            IEnumerable<JsonNode?> children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => [],
            };
            foreach (var child in children.OfType<JsonNode>())
            {
                nodes.Add(child);
                queue.Enqueue(child);
            }
        }
    }
}

/// <summary>An example with one node replaced by an array of <see cref="Count"/> copies of <see cref="Item"/>.</summary>
public sealed record WebhookHugeArray(WebhookExample Example, int Position, string Item, int Count)
{
    public byte[] Apply() => new WebhookMutation(Example, [(Position, $"[{string.Join(",", Enumerable.Repeat(Item, Count))}]")]).Apply();

    public override string ToString() => $"{Example}: #{Position} -> [{Item} x {Count}]";
}

public static class WebhookArbitraries
{
    private static readonly string[] WrongValues =
    [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "12345678901234567890", "9223372036854775808", "1.5", "\"\"", "\"x\"",
        "\"\\ud800\"", "\"2026-13-45T99:99:99Z\"", "\"not-a-number\"", "[]", "{}", "[1, \"a\", null]", "{\"id\": \"1\"}", "{\"id\": {}}",
        "{\"full_name\": 5}", "[{\"number\": \"x\"}]", "[{\"number\": 1, \"head\": null, \"base\": []}]",
    ];

    public static Arbitrary<WebhookTruncation> TruncationArbitrary() =>
        Gen.Elements(WebhookExample.All)
            .SelectMany(example => Gen.Choose(0, 999).Select(fraction => new WebhookTruncation(example, fraction)))
            .ToArbitrary();

    public static Arbitrary<WebhookMutation> MutationArbitrary() =>
        Gen.Elements(WebhookExample.All)
            .SelectMany(example => Gen.Choose(1, 3).SelectMany(count => Gen.ArrayOf(Edit(), count)).Select(edits => new WebhookMutation(example, edits)))
            .ToArbitrary();

    public static Arbitrary<WebhookHugeArray> HugeArrayArbitrary() =>
        Gen.Elements(WebhookExample.All)
            .SelectMany(example => Gen.Choose(0, 30).SelectMany(position =>
                Gen.Elements("0", "{}", "[]", "\"x\"", "{\"number\": 1, \"head\": {\"ref\": \"a\", \"sha\": \"b\"}, \"base\": {\"ref\": \"main\", \"sha\": \"c\"}}")
                    .SelectMany(item => Gen.Choose(10_000, 200_000).Select(count => new WebhookHugeArray(example, position, item, count)))))
            .ToArbitrary();

    private static Gen<(int, string?)> Edit() =>
        Gen.Frequency(
                (2, Gen.Choose(0, 40)), // near the root: the envelope fields
                (1, Gen.Choose(0, 3000)))
            .SelectMany(position => Gen.Frequency(
                    (2, Gen.Constant<string?>(null)),
                    (12, Gen.Elements(WrongValues).Select(v => (string?)v)),
                    (1, Gen.Choose(60, 400).Select(depth => (string?)(new string('[', depth) + new string(']', depth)))))
                .Select(json => (position, json)));
}
