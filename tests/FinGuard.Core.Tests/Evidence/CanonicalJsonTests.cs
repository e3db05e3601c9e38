using System.Text;
using System.Text.Json;
using FinGuard.Core.Evidence;

namespace FinGuard.Core.Tests.Evidence;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Sorts_keys_ordinally_and_drops_whitespace()
    {
        Assert.Equal("""{"A":[1,{"a":null,"b":true}],"a":"x","b":false}""", Canonical("""{ "b": false, "a": "x", "A": [ 1, { "b": true, "a": null } ] }"""));
    }

    [Fact]
    public void Same_content_in_different_order_hashes_the_same()
    {
        using var one = JsonDocument.Parse("""{"x":1,"y":{"q":"é","p":[3,2]}}""");
        using var two = JsonDocument.Parse("""{ "y" : { "p" : [3, 2], "q" : "\u00e9" }, "x" : 1 }""");

        Assert.Equal(CanonicalJson.Sha256(one.RootElement), CanonicalJson.Sha256(two.RootElement));
    }

    [Fact]
    public void Escapes_only_what_json_requires_and_keeps_unicode()
    {
        Assert.Equal("\"quote\\\" back\\\\ nl\\n tab\\t ctl\\u0001 é <&>\"", Canonical("\"quote\\\" back\\\\ nl\\n tab\\t ctl\\u0001 \\u00e9 <&>\""));
    }

    [Theory]
    [InlineData("1.0", "1")]
    [InlineData("-0", "0")]
    [InlineData("1e2", "100")]
    [InlineData("0.5", "0.5")]
    [InlineData("12345678901234", "12345678901234")]
    public void Numbers_have_one_form(string input, string expected)
    {
        Assert.Equal(expected, Canonical(input));
    }

    [Fact]
    public void A_single_changed_byte_changes_the_hash()
    {
        using var one = JsonDocument.Parse("""{"verdict":"pass"}""");
        using var two = JsonDocument.Parse("""{"verdict":"pasS"}""");

        Assert.NotEqual(CanonicalJson.Sha256(one.RootElement), CanonicalJson.Sha256(two.RootElement));
    }

    [Fact]
    public void Evidence_record_round_trips_to_identical_canonical_bytes()
    {
        using var body = JsonDocument.Parse("""{"number":1,"head":{"sha":"abc"}}""");
        var record = new EvidenceRecord
        {
            EventId = "0193f6c4-0000-7000-8000-000000000001",
            Chain = "octo/payments",
            Sequence = 3,
            PreviousSha256 = new string('a', 64),
            Timestamp = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero),
            FinGuardVersion = "0.1.0",
            Mode = "development",
            Action = "pull_request.evaluate",
            Source = "github-webhook:pull_request.synchronize",
            DeliveryId = "d-1",
            Actor = new EvidenceActor("user", 1, "octocat"),
            Subject = new EvidenceSubject { Type = "pull_request", Id = "octo/payments#1", Repository = "octo/payments", HeadSha = "abc" },
            Facts = [new EvidenceFact("pull", "GET /repos/octo/payments/pulls/1", CanonicalJson.Sha256(body.RootElement), body.RootElement.Clone())],
            Policy = new EvidencePolicy("default", [], JsonDocument.Parse("{}").RootElement.Clone()),
            Result = new EvidenceResult("pass", "success", "all-controls-passed", "1 control passing", [new EvidenceControl("signed-commits", "pass", "ok", [])]),
        };

        var bytes = EvidenceSerializer.ToCanonicalBytes(record);
        var again = EvidenceSerializer.ToCanonicalBytes(EvidenceSerializer.FromBytes(bytes));

        Assert.Equal(bytes, again);
        Assert.Contains("\"previousSha256\":\"aaaa", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }
}
