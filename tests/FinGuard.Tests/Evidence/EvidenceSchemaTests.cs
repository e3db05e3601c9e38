using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// docs/evidence.schema.json describes the records FinGuard really writes: records made by the server's record
/// factory for passing, failing, pending and broken-policy decisions, and a daily checkpoint, all validate against it,
/// carry every audit field, and the schema rejects what it should.
/// </summary>
public sealed class EvidenceSchemaTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static TheoryData<string> Kinds => ["pass", "unsigned", "pending", "self-approved", "broken-policy", "checkpoint"];

    internal static JsonSchemaSubset Schema()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "docs", "evidence.schema.json")));
        return new JsonSchemaSubset(document.RootElement.Clone());
    }

    internal static EvidenceRecord Make(string kind)
    {
        PullRequestScenario Scenario(int number = 42) => new("octo-bank", "payments", number);
        return kind switch
        {
            "pass" => EvidenceTestStore.Decide(Scenario().WithCommit(verified: true).WithTwoIndependentApprovals(), At),
            "unsigned" => EvidenceTestStore.Decide(Scenario().WithCommit(verified: false, reason: "unsigned").WithTwoIndependentApprovals(), At),
            "pending" => EvidenceTestStore.Decide(Scenario().WithCommit(verified: true), At),
            "self-approved" => EvidenceTestStore.Decide(Scenario().WithCommit(verified: true).WithReview("dev-alice", 5001), At),
            "broken-policy" => EvidenceTestStore.Decide(new PullRequestScenario("octo-bank", "payments", 42) { RepositoryPolicy = "separation-of-duties:\n  required-approvals: many\n" }.WithCommit(verified: true), At),
            "checkpoint" => CheckpointRecords.Create(
                "octo-bank", DateOnly.FromDateTime(At.UtcDateTime),
                [new CheckpointHead("octo-bank/payments", 12, new string('a', 64), At.AddHours(-2)), new CheckpointHead("octo-bank/ledger", 3, new string('b', 64), At.AddHours(-5))],
                At.AddDays(1), "0.1.0", EvidenceModes.Development, CheckpointWriter.Source) with { Sequence = 4, PreviousSha256 = new string('c', 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Records_the_server_writes_validate_against_the_published_schema(string kind)
    {
        var record = Make(kind) with { Sequence = 3, PreviousSha256 = new string('f', 64) };
        using var document = JsonDocument.Parse(EvidenceSerializer.ToCanonicalBytes(record));

        var errors = Schema().Validate(document.RootElement);

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_record_carries_the_audit_fields(string kind)
    {
        using var document = JsonDocument.Parse(EvidenceSerializer.ToCanonicalBytes(Make(kind)));
        var root = document.RootElement;

        // event id, UTC timestamp, actor type and id, action, resource type and id, result, reason code, source, correlation id.
        Assert.Matches("^[0-9a-f-]{36}$", root.GetProperty("eventId").GetString());
        Assert.EndsWith("+00:00", root.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("actor").GetProperty("type").GetString()));
        Assert.True(root.GetProperty("actor").TryGetProperty("id", out var actorId));
        if (kind != "checkpoint")
        {
            Assert.Equal(583231, actorId.GetInt64());
        }

        foreach (var field in new[] { "action", "source", "deliveryId" })
        {
            Assert.False(string.IsNullOrEmpty(root.GetProperty(field).GetString()), field);
        }

        Assert.False(string.IsNullOrEmpty(root.GetProperty("subject").GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("subject").GetProperty("id").GetString()));
        Assert.Contains(root.GetProperty("result").GetProperty("verdict").GetString(), new[] { "pass", "fail", "recorded" });
        Assert.False(string.IsNullOrEmpty(root.GetProperty("result").GetProperty("reasonCode").GetString()));
    }

    [Fact]
    public void The_schema_rejects_a_missing_audit_field_an_unknown_field_a_bad_hash_and_an_unknown_verdict()
    {
        var schema = Schema();
        var valid = System.Text.Json.Nodes.JsonNode.Parse(EvidenceSerializer.ToCanonicalBytes(Make("unsigned") with { Sequence = 1 }))!.AsObject();
        Assert.Empty(schema.Validate(JsonSerializer.SerializeToElement(valid)));

        var missing = valid.DeepClone().AsObject();
        missing.Remove("deliveryId");
        Assert.Contains(schema.Validate(JsonSerializer.SerializeToElement(missing)), e => e.Contains("'deliveryId' is missing", StringComparison.Ordinal));

        var extra = valid.DeepClone().AsObject();
        extra["note"] = "added later";
        Assert.Contains(schema.Validate(JsonSerializer.SerializeToElement(extra)), e => e.Contains("'note' is not in the schema", StringComparison.Ordinal));

        var badHash = valid.DeepClone().AsObject();
        badHash["previousSha256"] = "ABC";
        Assert.Contains(schema.Validate(JsonSerializer.SerializeToElement(badHash)), e => e.StartsWith("$.previousSha256", StringComparison.Ordinal));

        var badVerdict = valid.DeepClone().AsObject();
        badVerdict["result"]!["verdict"] = "maybe";
        Assert.Contains(schema.Validate(JsonSerializer.SerializeToElement(badVerdict)), e => e.StartsWith("$.result.verdict", StringComparison.Ordinal));
    }
}
