using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// What <see cref="AuditPopulation"/> makes of change and exception records: a merge and its push are one change, what
/// does not reconcile is said, the period bounds hold, and a CSV cell cannot become a spreadsheet formula.
/// </summary>
public sealed class AuditPopulationTests
{
    private const string Chain = "octo/ledger";
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Sha(char c) => new(c, 40);

    private static StoredEvidence Stored(long sequence, DateTimeOffset at, EvidenceChange change, EvidenceExceptionRecord? exception = null)
    {
        var record = new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(at).ToString(),
            Sequence = sequence,
            Chain = Chain,
            Timestamp = at,
            FinGuardVersion = "0.1.0",
            Mode = "development",
            Action = exception is null ? $"change.{change.Kind}" : "exception.recorded",
            Source = "github-webhook:push",
            DeliveryId = Guid.NewGuid().ToString(),
            Actor = new EvidenceActor("user", 1, "dev-alice"),
            Subject = new EvidenceSubject { Type = "change", Id = $"octo/ledger@{change.Branch}", Repository = "octo/ledger", HeadSha = change.After, BaseRef = change.Branch },
            Facts = [],
            Policy = new EvidencePolicy("none", [], JsonSerializer.SerializeToElement(new JsonObject())),
            Result = new EvidenceResult("recorded", exception is null ? "success" : "neutral", exception is null ? $"change:{change.Justification}" : $"exception:{exception.Type}", "t", []),
            Change = change,
            Exception = exception,
        };
        return new StoredEvidence($"{Chain}/{sequence:D12}.json", EvidenceSerializer.ToCanonicalBytes(record));
    }

    private static EvidenceChange Merge(string after, int number) => new()
    {
        Kind = "merge", Branch = "main", After = after, Forced = false, PullRequest = number, MergedHeadSha = Sha('9'), Justification = "pull_request_decision", Approvers = ["reviewer-bob"],
    };

    private static EvidenceChange Push(string after, int? number, string justification = "pull_request_merge") => new()
    {
        Kind = "push", Branch = "main", Before = Sha('0'), After = after, Forced = false, PullRequest = number, Justification = justification, Approvers = [],
    };

    private static AuditPopulation Population() => new() { From = From, To = To, Scope = Chain };

    [Fact]
    public void A_merge_and_the_push_of_its_merge_commit_are_one_change_and_reconcile()
    {
        var population = Population();
        population.AddChain(Chain, [Stored(1, From.AddDays(3), Merge(Sha('a'), 41)), Stored(2, From.AddDays(3).AddSeconds(1), Push(Sha('a'), 41))], []);

        var change = Assert.Single(population.Changes);
        Assert.Equal(("merge", 41, 1L), (change.Kind, change.PullRequest, change.Record.Sequence));
        Assert.Empty(population.Unreconciled);
    }

    [Fact]
    public void A_push_attributed_to_a_pull_request_whose_merge_was_not_recorded_is_listed_and_said_to_be_unreconciled()
    {
        var population = Population();
        population.AddChain(Chain, [Stored(1, From.AddDays(3), Push(Sha('b'), 42))], []);

        var change = Assert.Single(population.Changes);
        Assert.Equal(("push", 42, "pull_request_merge"), (change.Kind, change.PullRequest, change.Justification));
        Assert.Contains("attributed by GitHub to pull request #42, but no merge of that pull request was recorded", Assert.Single(population.Unreconciled), StringComparison.Ordinal);
    }

    [Fact]
    public void A_merge_whose_push_was_never_recorded_is_said_to_be_unreconciled()
    {
        var population = Population();
        population.AddChain(Chain, [Stored(1, From.AddDays(3), Merge(Sha('c'), 43))], []);

        Assert.Single(population.Changes);
        Assert.Contains("the merge of pull request #43 into main (ccccccc) was recorded, but no push of that commit", Assert.Single(population.Unreconciled), StringComparison.Ordinal);
    }

    [Fact]
    public void Records_outside_the_period_are_left_out_and_a_chain_that_does_not_verify_is_named()
    {
        var population = Population();
        var direct = new EvidenceExceptionRecord { Type = EvidenceExceptionRecord.DirectPush, Reason = "pushed" };
        population.AddChain(Chain, [Stored(1, From.AddSeconds(-1), Push(Sha('d'), null, "none"), direct), Stored(2, To, Push(Sha('e'), null, "none"), direct), Stored(3, From, Push(Sha('f'), null, "none"), direct)], ["octo/ledger/000000000002.json: modified"]);

        Assert.Equal([3L], population.Changes.Select(c => c.Record.Sequence));
        Assert.Equal([3L], population.Exceptions.Select(e => e.Record.Sequence));
        Assert.Contains("octo/ledger: the evidence chain does not verify (1 problem(s)", Assert.Single(population.Unreconciled), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reason_that_starts_like_a_formula_or_holds_quotes_stays_one_inert_csv_field()
    {
        var population = Population();
        var exception = new EvidenceExceptionRecord { Type = EvidenceExceptionRecord.DirectPush, Reason = "=HYPERLINK(\"http://x\",\"y\"), then more" };
        population.AddChain(Chain, [Stored(1, From.AddDays(1), Push(Sha('1'), null, "none"), exception)], []);
        var folder = TempDirectory.Create();
        try
        {
            await population.WriteAsync(folder, CancellationToken.None);

            var lines = await File.ReadAllLinesAsync(Path.Combine(folder, "exceptions.csv"));
            Assert.Equal(2, lines.Length);
            Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\"), then more\",", lines[1], StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }
}
