using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.GitHub.Snapshots;
using FinGuard.Testing.Fuzzing;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// Fuzzing what auditors feed <c>finguard evidence replay</c>: real decision records (made by the server's evaluator and
/// record factory) with random nodes replaced by other types, removed, or swapped for huge arrays — in the envelope,
/// the result, the policy files and the recorded GitHub responses. Every mutated record is either not a record (a
/// <see cref="JsonException"/>, exit 2 "is not an evidence record"), replayed, or refused with the
/// <see cref="GitHubFactsException"/> or <see cref="ArgumentException"/> the command reports (exit 2) — never another
/// exception, which would end the command with a stack trace. Seeded, so a failure reproduces; the input is printed.
/// </summary>
public sealed class EvidenceRecordMutationTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static EvidenceRecord Record()
    {
        var scenario = new PullRequestScenario("octo-org", "payments", 42)
            .WithCommit(verified: true, message: "One\n\nCo-authored-by: Dana <dana@example.com>")
            .WithCommit(verified: false, reason: "unsigned")
            .WithTwoIndependentApprovals();
        scenario.RepositoryPolicy = """
            version: 1
            separation-of-duties:
              required-approvals: 2
            freeze-window:
              windows:
                - name: Year end
                  from: 2026-12-20T00:00:00Z
                  to: 2027-01-04T00:00:00Z
            """;
        return EvidenceTestStore.Decide(scenario, At);
    }

    [Theory]
    [InlineData(20261203)]
    [InlineData(31)]
    public void Mutated_records_replay_or_are_refused_with_a_clear_error(int seed)
    {
        var original = JsonNode.Parse(EvidenceSerializer.ToCanonicalBytes(Record()));
        Assert.True(EvidenceReplayComparison.Compare(EvidenceSerializer.FromBytes(EvidenceSerializer.ToCanonicalBytes(Record()))).DecisionMatches);
        var random = new Random(seed);
        int replayed = 0, notRecords = 0, refused = 0;
        for (var i = 0; i < 1500; i++)
        {
            var mutated = JsonMutator.Mutate(original, random, edits: 1 + random.Next(3));
            var bytes = Encoding.UTF8.GetBytes(mutated is null ? "null" : mutated.ToJsonString());
            EvidenceRecord record;
            try
            {
                record = EvidenceSerializer.FromBytes(bytes);
            }
            catch (JsonException)
            {
                notRecords++;
                continue;
            }
            catch (Exception ex)
            {
                Assert.Fail($"reading: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\ninput: {Show(bytes)}");
                return;
            }

            try
            {
                Assert.NotNull(EvidenceReplayComparison.Compare(record));
                replayed++;
            }
            catch (Exception ex) when (ex is GitHubFactsException or ArgumentException)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                refused++;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"replaying: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\ninput: {Show(bytes)}");
            }
        }

        // All three outcomes must occur, or the mutations are not reaching the reader and the replay.
        Assert.True(replayed > 100 && notRecords > 50 && refused > 50, $"replayed {replayed}, not records {notRecords}, refused {refused}");
    }

    [Theory]
    [InlineData("policy-content")]
    [InlineData("null-control")]
    [InlineData("null-fact-name")]
    public async Task The_shapes_the_fuzz_found_are_refused_by_the_replay_command_with_exit_2_and_a_reason(string shape)
    {
        var record = JsonNode.Parse(EvidenceSerializer.ToCanonicalBytes(Record()))!.AsObject();
        string expected;
        switch (shape)
        {
            case "policy-content":
                // Was an unhandled KeyNotFoundException from the policy file reader.
                record["facts"]!.AsArray().Single(f => (string?)f!["name"] == "policy.repository")!["body"]!.AsObject().Remove("content");
                expected = "the record's inputs cannot be evaluated: A recorded policy file has no `content` string.";
                break;
            case "null-control":
                // Was a NullReferenceException while comparing the controls.
                record["result"]!["controls"]!.AsArray()[0] = null;
                expected = "is not an evidence record: The record's 'result.controls' has a null item.";
                break;
            default:
                // Was a NullReferenceException while picking the commit pages.
                record["facts"]!.AsArray()[0]!["name"] = null;
                expected = "is not an evidence record:";
                break;
        }

        var path = Path.Combine(Path.GetTempPath(), $"finguard-fuzz-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, record.ToJsonString());
        try
        {
            var (exit, stdout, stderr) = await EvidenceCli.RunAsync("replay", path);

            Assert.Equal(2, exit);
            Assert.Empty(stdout);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 200)]);
}
