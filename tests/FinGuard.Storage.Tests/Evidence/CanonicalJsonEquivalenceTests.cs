using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Fuzzing;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>
/// The canonical form is what every evidence hash is computed over, so the faster writer must produce exactly the
/// bytes of the implementation that hashed the records already stored (<see cref="ReferenceCanonicalJson"/>): over
/// GitHub's recorded webhook payloads, mutations of them, generated JSON text full of escapes, odd numbers and keys
/// whose UTF-8 and UTF-16 orders differ, and the edge cases spelled out below.
/// </summary>
public sealed class CanonicalJsonEquivalenceTests
{
    [Fact]
    public void Every_recorded_webhook_payload_canonicalises_to_the_same_bytes()
    {
        var payloads = WebhookEvents().SelectMany(WebhookExamples.All).ToList();
        Assert.True(payloads.Count > 300, $"Only {payloads.Count} recorded payloads were found.");

        foreach (var payload in payloads)
        {
            AssertSameBytes(payload.ToJsonString());
        }
    }

    [Fact]
    public void Evidence_records_serialise_to_the_bytes_of_the_element_route()
    {
        // Records used to be serialised to a JsonElement and canonicalised by the reference implementation; they are
        // now serialised into pooled buffers. Every record's stored bytes, hence its hash, must be unchanged.
        var payloads = WebhookExamples.All("pull_request").Concat(WebhookExamples.All("pull_request_review")).ToList();
        Assert.NotEmpty(payloads);
        var sequence = 0;
        foreach (var payload in payloads)
        {
            using var body = JsonDocument.Parse(payload.ToJsonString());
            var pull = body.RootElement.GetProperty("pull_request");
            using var policy = JsonDocument.Parse("""{"version":1,"scan-status":{"threshold":"high"},"nested":[{"z":1,"a":"\u00e9\ud83d\ude00"}]}""");
            var record = new EvidenceRecord
            {
                EventId = $"0193f6c4-0000-7000-8000-{++sequence:D12}",
                Chain = "octo/payments",
                Sequence = sequence,
                PreviousSha256 = sequence == 1 ? null : new string('a', 64),
                Timestamp = new DateTimeOffset(2026, 12, 3, 20, 0, 0, TimeSpan.FromHours(1)).AddMinutes(sequence),
                FinGuardVersion = "0.1.0",
                Mode = "development",
                Action = "pull_request.evaluate",
                Source = $"github-webhook:pull_request.{payload["action"]}",
                DeliveryId = $"d-{sequence}",
                Actor = new EvidenceActor("user", sequence, "octocat"),
                Subject = new EvidenceSubject { Type = "pull_request", Id = $"octo/payments#{sequence}", Repository = "octo/payments", HeadSha = "abc", BaseRef = "main" },
                Facts =
                [
                    EvidenceFact.Canonical("pull", "webhook pull_request delivery d", pull),
                    new EvidenceFact("raw", "GET /raw", CanonicalJson.Sha256(body.RootElement), body.RootElement.Clone()),
                ],
                Policy = new EvidencePolicy("repository", ["0123456789abcdef0123456789abcdef01234567"], policy.RootElement.Clone()),
                Result = new EvidenceResult("fail", "failure", "controls-failed", "1 of 2 controls failing: \"quoted\" <b>", [
                    new EvidenceControl("signed-commits", "pass", "ok", []),
                    new EvidenceControl("separation-of-duties", "fail", "1 approval of 2 needed", []),
                ]),
            };

            var expected = ReferenceCanonicalJson.Canonicalize(JsonSerializer.SerializeToElement(record, EvidenceJsonContext.Default.EvidenceRecord));

            Assert.Equal(expected, EvidenceSerializer.ToCanonicalBytes(record));
        }
    }

    [Fact]
    public void Mutated_webhook_payloads_canonicalise_to_the_same_bytes()
    {
        var random = new Random(20261203);
        var payloads = WebhookExamples.All("pull_request").Concat(WebhookExamples.All("check_run")).ToList();
        for (var i = 0; i < 400; i++)
        {
            var mutated = JsonMutator.Mutate(payloads[random.Next(payloads.Count)], random, edits: 1 + random.Next(6));
            AssertSameBytes(mutated?.ToJsonString() ?? "null");
        }
    }

    [Fact]
    public void Generated_json_text_canonicalises_to_the_same_bytes()
    {
        var random = new Random(8785);
        for (var i = 0; i < 3000; i++)
        {
            var text = new StringBuilder();
            GenerateValue(random, text, depth: 0);
            AssertSameBytes(text.ToString());
        }
    }

    [Theory]
    [InlineData("{\"\uE000\":1,\"\uFFFD\":0,\"😀\":2,\"a\":3}")] // raw keys: a surrogate pair sorts before U+E000 in UTF-16, after it in UTF-8
    [InlineData("""{"\ud83d\ude00":1,"":2,"\u00e9":3,"é":4}""")] // escaped and raw keys, equal keys in document order
    [InlineData("""{"b":1,"a":2,"b":3,"a":4}""")] // duplicate keys keep their document order
    [InlineData("""["\u0000\u001f\u007f","\/","\"","\\","\b\f\n\r\t","\u2028\u2029",""]""")]
    [InlineData("""[0,-0,1,-1,123456789012345678,-123456789012345678,1234567890123456789,-9223372036854775808,9223372036854775808]""")]
    [InlineData("""[12345678901234567890123,1e28,1e2,1E+2,1.0,-1.50,0.1,1e-7,-0.0,5e-324,1.7976931348623157e308,007e0]""")]
    [InlineData("""{"nested":{"z":[{"y":null,"x":true}],"a":false},"A":{}}""")]
    [InlineData("""  "plain"  """)]
    public void Edge_cases_canonicalise_to_the_same_bytes(string json)
    {
        AssertSameBytes(json);
    }

    [Fact]
    public void A_lone_surrogate_escape_fails_or_succeeds_as_before()
    {
        AssertSameBytes("""{"k":"\ud800"}""");
        AssertSameBytes("""{"\udc00":"v"}""");
    }

    private static void AssertSameBytes(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return; // Not JSON (the generator or a mutation can make such text): neither implementation sees it.
        }

        using (document)
        {
            var expected = Outcome(() => ReferenceCanonicalJson.Canonicalize(document.RootElement));
            var actual = Outcome(() => CanonicalJson.Canonicalize(document.RootElement));
            Assert.True(expected == actual, $"Canonical forms differ for {json}\nexpected: {expected}\nactual:   {actual}");
            if (!expected.StartsWith("threw ", StringComparison.Ordinal))
            {
                Assert.Equal(CanonicalJson.Sha256Hex(ReferenceCanonicalJson.Canonicalize(document.RootElement)), CanonicalJson.Sha256(document.RootElement));
            }
        }
    }

    private static string Outcome(Func<byte[]> canonicalize)
    {
        try
        {
            return Convert.ToHexStringLower(canonicalize());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            return "threw " + ex.GetType().Name;
        }
    }

    private static List<string> WebhookEvents()
    {
        var index = Path.Combine(FinGuard.Testing.FakeGitHub.RepositoryRoot.Path, "node_modules", "@octokit", "webhooks-examples", "api.github.com", "index.json");
        using var stream = File.OpenRead(index);
        return JsonNode.Parse(stream)!.AsArray().Select(e => (string)e!["name"]!).ToList();
    }

    private static readonly string[] Keys =
    [
        "a", "b", "A", "id", "ab", "a\\u0062", "\\u0061", "é", "\\u00e9", "\uE000", "\uFFFD", "😀", "\\ud83d\\ude00", "\\\"",
        "\\n", "", "\\/", "日本", "\\u2028", "z",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "42", "123456789012345678", "1234567890123456789", "99999999999999999999", "-9223372036854775809",
        "1.0", "1.5", "-2.25", "1e2", "1E-2", "1.0e+3", "0.1", "3.14159265358979323846", "1e308", "5e-324", "-0.0", "100e-2",
    ];

    private static readonly string[] StringParts =
    [
        "plain", " ", "é", "日本", "😀", "\\ud83d\\ude00", "\\u00e9", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
        "\\u0000", "\\u001f", "\\u007f", "\u007f", "\\u2028", "\uE000", "\\uE000", "<&>", "\\u0041",
    ];

    private static void GenerateValue(Random random, StringBuilder text, int depth)
    {
        switch (depth >= 4 ? random.Next(4) : random.Next(7))
        {
            case 0:
                text.Append(Numbers[random.Next(Numbers.Length)]);
                break;
            case 1:
                text.Append('"');
                for (var i = random.Next(4); i > 0; i--)
                {
                    text.Append(StringParts[random.Next(StringParts.Length)]);
                }

                text.Append('"');
                break;
            case 2:
                text.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            case 3:
                text.Append('"').Append(random.Next().ToString(CultureInfo.InvariantCulture)).Append('"');
                break;
            case 4 or 5:
                text.Append('{');
                for (var i = random.Next(6); i > 0; i--)
                {
                    text.Append('"').Append(Keys[random.Next(Keys.Length)]).Append("\" : ");
                    GenerateValue(random, text, depth + 1);
                    text.Append(i > 1 ? ",\n" : "");
                }

                text.Append('}');
                break;
            default:
                text.Append("[ ");
                for (var i = random.Next(5); i > 0; i--)
                {
                    GenerateValue(random, text, depth + 1);
                    text.Append(i > 1 ? ", " : "");
                }

                text.Append(']');
                break;
        }
    }
}
