using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>One chain's head as a checkpoint states it: the last record decided before the end of the day, and its hash.</summary>
/// <param name="Chain">The chain, <c>owner/repo</c>.</param>
/// <param name="Sequence">The head record's sequence.</param>
/// <param name="Sha256">SHA-256 of the head record's stored bytes.</param>
/// <param name="Timestamp">The head record's timestamp.</param>
public sealed record CheckpointHead(string Chain, long Sequence, string Sha256, DateTimeOffset Timestamp);

/// <summary>What a checkpoint record says, read back.</summary>
/// <param name="Organisation">The organisation whose chains it covers.</param>
/// <param name="Day">The UTC day it closes.</param>
/// <param name="Heads">Every chain head of the organisation before the end of <paramref name="Day"/>.</param>
public sealed record Checkpoint(string Organisation, DateOnly Day, IReadOnlyList<CheckpointHead> Heads);

/// <summary>
/// The daily checkpoint as an evidence record. Once a day, per organisation, FinGuard appends to the chain
/// <c>{org}/_checkpoints</c> a record stating, for every repository chain of the organisation, the last record
/// stamped before the end of the previous UTC day (sequence and SHA-256). The checkpoint chain is hash-chained like
/// any other, and stored in the same write-once container, so a chain rewritten after a checkpoint no longer matches
/// it. Layout (see docs/evidence.md):
/// <list type="bullet">
/// <item><c>action</c> <c>checkpoint.daily</c>; <c>subject.type</c> <c>checkpoint</c>; <c>subject.id</c> <c>{org}@{yyyy-MM-dd}</c>;
/// <c>subject.headSha</c> the SHA-256 of the heads fact's canonical body;</item>
/// <item><c>deliveryId</c> <c>checkpoint:{org}:{yyyy-MM-dd}</c> — the idempotency key;</item>
/// <item>one fact, <c>chain-heads</c>, whose body is <c>{"organisation","day","before","heads":[{"chain","sequence","sha256","timestamp"}]}</c>;</item>
/// <item><c>result.verdict</c> <c>recorded</c>, <c>result.conclusion</c> <c>neutral</c>, <c>result.reasonCode</c> <c>checkpoint</c>, no controls.</item>
/// </list>
/// </summary>
public static class CheckpointRecords
{
    public const string Action = "checkpoint.daily";
    public const string SubjectType = "checkpoint";
    public const string RepositoryName = "_checkpoints";
    public const string HeadsFact = "chain-heads";
    public const string Verdict = "recorded";
    public const string ReasonCode = "checkpoint";

    /// <summary>The checkpoint chain of an organisation: <c>{org}/_checkpoints</c>.</summary>
    public static string ChainOf(string organisation) => $"{CheckpointChainCatalog.NormalizeOrganisation(organisation)}/{RepositoryName}";

    /// <summary>True for a chain named <c>{org}/_checkpoints</c>.</summary>
    public static bool IsCheckpointChain(string chain) =>
        chain is not null && chain.EndsWith("/" + RepositoryName, StringComparison.Ordinal);

    /// <summary>The idempotency key of an organisation's checkpoint for a day.</summary>
    public static string DeliveryIdOf(string organisation, DateOnly day) =>
        string.Create(CultureInfo.InvariantCulture, $"checkpoint:{CheckpointChainCatalog.NormalizeOrganisation(organisation)}:{day:yyyy-MM-dd}");

    public static bool IsCheckpoint(EvidenceRecord record) =>
        record is not null && string.Equals(record.Action, Action, StringComparison.Ordinal);

    public static EvidenceRecord Create(
        string organisation, DateOnly day, IReadOnlyList<CheckpointHead> heads, DateTimeOffset writtenAt, string finGuardVersion, string mode, string source)
    {
        ArgumentNullException.ThrowIfNull(heads);
        var org = CheckpointChainCatalog.NormalizeOrganisation(organisation);
        var chain = ChainOf(org);
        var before = EndOf(day);
        var body = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["organisation"] = org,
            ["day"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["before"] = Format(before),
            ["heads"] = new JsonArray([.. heads.OrderBy(h => h.Chain, StringComparer.Ordinal).Select(h => (JsonNode)new JsonObject
            {
                ["chain"] = h.Chain,
                ["sequence"] = h.Sequence,
                ["sha256"] = h.Sha256,
                ["timestamp"] = Format(h.Timestamp),
            })]),
        });
        var bodySha = CanonicalJson.Sha256(body);
        var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(writtenAt).ToString(),
            Chain = chain,
            Timestamp = writtenAt,
            FinGuardVersion = finGuardVersion,
            Mode = mode,
            Action = Action,
            Source = source,
            DeliveryId = DeliveryIdOf(org, day),
            Actor = new EvidenceActor("system", null, "finguard"),
            Subject = new EvidenceSubject
            {
                Type = SubjectType,
                Id = $"{org}@{dayText}",
                Repository = chain,
                HeadSha = bodySha,
            },
            Facts = [new EvidenceFact(HeadsFact, $"finguard:chain-heads?organisation={org}&before={Format(before)}", bodySha, body)],
            Policy = new EvidencePolicy("none", [], JsonSerializer.SerializeToElement(new JsonObject())),
            Result = new EvidenceResult(
                Verdict,
                "neutral",
                ReasonCode,
                heads.Count == 1 ? $"1 chain head at the end of {dayText} (UTC)" : $"{heads.Count} chain heads at the end of {dayText} (UTC)",
                []),
        };
    }

    /// <summary>Reads a checkpoint record's heads; false with a reason when the record is not a well-formed checkpoint.</summary>
    public static bool TryRead(EvidenceRecord record, out Checkpoint? checkpoint, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(record);
        checkpoint = null;
        problem = null;
        var fact = record.Facts.FirstOrDefault(f => f.Name == HeadsFact);
        if (fact is null)
        {
            problem = $"has no '{HeadsFact}' fact";
            return false;
        }

        try
        {
            var body = fact.Body;
            var org = body.GetProperty("organisation").GetString() ?? throw new FormatException("organisation is null");
            var day = DateOnly.ParseExact(body.GetProperty("day").GetString() ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var heads = new List<CheckpointHead>();
            foreach (var head in body.GetProperty("heads").EnumerateArray())
            {
                heads.Add(new CheckpointHead(
                    head.GetProperty("chain").GetString() ?? throw new FormatException("chain is null"),
                    head.GetProperty("sequence").GetInt64(),
                    head.GetProperty("sha256").GetString() ?? throw new FormatException("sha256 is null"),
                    DateTimeOffset.Parse(head.GetProperty("timestamp").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
            }

            checkpoint = new Checkpoint(org, day, heads);
            return true;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            problem = $"its '{HeadsFact}' fact is malformed: {ex.Message}";
            return false;
        }
    }

    /// <summary>The first instant after <paramref name="day"/> (UTC).</summary>
    public static DateTimeOffset EndOf(DateOnly day) => new(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
