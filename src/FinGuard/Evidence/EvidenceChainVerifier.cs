using System.Globalization;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>The outcome of verifying evidence: every break found (each names the object and the break) and notes.</summary>
public sealed class EvidenceVerification
{
    private readonly List<string> _failures = [];
    private readonly List<string> _notes = [];

    /// <summary>Breaks: modified, missing, reordered or inserted records, and checkpoints that do not match.</summary>
    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Things worth knowing that are not breaks (e.g. the records before an exported range).</summary>
    public IReadOnlyList<string> Notes => _notes;

    public int Records { get; internal set; }

    public int Chains { get; internal set; }

    public int Checkpoints { get; internal set; }

    public bool Intact => _failures.Count == 0;

    /// <summary>Decision records by the <c>mode</c> they state (<c>production</c>, <c>development</c>).</summary>
    public IReadOnlyDictionary<string, int> Modes { get; internal set; } = new Dictionary<string, int>();

    /// <summary>Decision records that state a mode other than <c>production</c>: not WORM evidence.</summary>
    public int NotProductionRecords => Modes.Where(m => !string.Equals(m.Key, "production", StringComparison.Ordinal)).Sum(m => m.Value);

    /// <summary>Per chain, the newest records no checkpoint in the set covers yet (first, last).</summary>
    public IReadOnlyList<(string Chain, long First, long Last)> Uncovered { get; internal set; } = [];

    internal void Fail(string subject, string problem) => _failures.Add($"{subject}: {problem}");

    internal void Fail(string line) => _failures.Add(line);

    internal void Note(string line) => _notes.Add(line);

    internal void Merge(IEnumerable<string> failures)
    {
        _failures.AddRange(failures);
    }
}

/// <summary>The first and last sequence of a chain that a bundle declares it holds; null bounds for a chain with no records in range.</summary>
public sealed record DeclaredChainRange(long? First, long? Last);

/// <summary>What the verified set of objects is expected to be.</summary>
public sealed record EvidenceVerificationScope
{
    /// <summary>
    /// Per chain, the range a bundle declares (its manifest). Chains not listed must be complete: they start at record 1
    /// and have no gaps. Null: every chain must be complete (a folder of records, or the live store).
    /// </summary>
    public IReadOnlyDictionary<string, DeclaredChainRange>? DeclaredChains { get; init; }

    /// <summary>Chains that must hold records (the repository asked for with <c>--live --repo</c>).</summary>
    public IReadOnlyCollection<string> RequiredChains { get; init; } = [];

    /// <summary>
    /// End of the exported time range (exclusive). A checkpoint closing a day that ends at or before it names heads that
    /// must all be in the set; a later checkpoint's heads may lie beyond it. Null: no range, every checkpoint is binding.
    /// </summary>
    public DateTimeOffset? RangeEnd { get; init; }

    /// <summary>
    /// True for an export that starts at a time (<c>--from</c>), so a declared chain may start after record 1. Otherwise
    /// every declared chain must start at record 1.
    /// </summary>
    public bool IsRange { get; init; }
}

/// <summary>
/// Verifies evidence objects offline: each record's bytes (valid, canonical JSON whose <c>chain</c> and <c>sequence</c>
/// match its object name, facts matching their SHA-256), each chain's links (sequence continuity, <c>previousSha256</c>
/// = SHA-256 of the previous record's stored bytes, <c>null</c> for record 1), and the daily checkpoints (every head a
/// checkpoint states is present with that hash; later checkpoints never move a chain backwards). Pure: the caller reads
/// the objects (bundle, folder or live store).
/// </summary>
public static class EvidenceChainVerifier
{
    public static EvidenceVerification Verify(IEnumerable<StoredEvidence> objects, EvidenceVerificationScope scope)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(scope);
        var result = new EvidenceVerification();
        var chains = new SortedDictionary<string, SortedDictionary<long, Examined>>(StringComparer.Ordinal);
        foreach (var stored in objects)
        {
            if (!EvidenceObjectNames.TryParseObjectName(stored.Name, out var chain, out var sequence))
            {
                result.Fail(stored.Name, "is not an evidence object name (owner/repo/000000000001.json)");
                continue;
            }

            var records = chains.TryGetValue(chain, out var existing) ? existing : chains[chain] = new SortedDictionary<long, Examined>();
            if (records.ContainsKey(sequence))
            {
                result.Fail(stored.Name, "appears more than once");
                continue;
            }

            records[sequence] = Examine(stored, chain, sequence, result);
        }

        foreach (var (chain, declared) in scope.DeclaredChains ?? new Dictionary<string, DeclaredChainRange>())
        {
            if (declared.First is not null && !chains.ContainsKey(chain))
            {
                chains[chain] = new SortedDictionary<long, Examined>();
            }
        }

        foreach (var required in scope.RequiredChains)
        {
            if (!chains.ContainsKey(required))
            {
                result.Fail(required, "has no evidence records");
            }
        }

        foreach (var (chain, records) in chains)
        {
            VerifyChain(chain, records, scope, result);
        }

        VerifyCheckpoints(chains, scope, result);
        result.Chains = chains.Count(c => !CheckpointRecords.IsCheckpointChain(c.Key) && c.Value.Count > 0);
        result.Records = chains.Where(c => !CheckpointRecords.IsCheckpointChain(c.Key)).Sum(c => c.Value.Count);
        result.Checkpoints = chains.Where(c => CheckpointRecords.IsCheckpointChain(c.Key)).Sum(c => c.Value.Count);
        result.Modes = chains.Where(c => !CheckpointRecords.IsCheckpointChain(c.Key))
            .SelectMany(c => c.Value.Values)
            .Where(e => e.Record is not null)
            .GroupBy(e => e.Record!.Mode, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        result.Uncovered = Uncovered(chains);
        return result;
    }

    /// <summary>
    /// The newest records of each chain above the highest sequence any checkpoint in the set names for it: until a
    /// checkpoint covers them, deleting them together with their index rows leaves nothing in the set to notice.
    /// </summary>
    private static List<(string Chain, long First, long Last)> Uncovered(SortedDictionary<string, SortedDictionary<long, Examined>> chains)
    {
        var covered = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var examined in chains.Where(c => CheckpointRecords.IsCheckpointChain(c.Key)).SelectMany(c => c.Value.Values))
        {
            if (examined.Record is { } record && CheckpointRecords.IsCheckpoint(record) && CheckpointRecords.TryRead(record, out var checkpoint, out _))
            {
                foreach (var head in checkpoint!.Heads)
                {
                    covered[head.Chain] = Math.Max(covered.GetValueOrDefault(head.Chain), head.Sequence);
                }
            }
        }

        var result = new List<(string, long, long)>();
        foreach (var (chain, records) in chains.Where(c => !CheckpointRecords.IsCheckpointChain(c.Key) && c.Value.Count > 0))
        {
            var last = records.Keys.Max();
            var first = Math.Max(covered.GetValueOrDefault(chain) + 1, records.Keys.Min());
            if (first <= last)
            {
                result.Add((chain, first, last));
            }
        }

        return result;
    }

    private static Examined Examine(StoredEvidence stored, string chain, long sequence, EvidenceVerification result)
    {
        var sha = CanonicalJson.Sha256Hex(stored.Bytes);
        EvidenceRecord record;
        try
        {
            record = EvidenceSerializer.FromBytes(stored.Bytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            result.Fail(stored.Name, $"is not a valid evidence record ({ex.Message.Split('\n')[0].Trim()})");
            return new Examined(stored.Name, sha, null);
        }

        byte[] canonical;
        try
        {
            canonical = CanonicalJson.Canonicalize(stored.Bytes);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            result.Fail(stored.Name, $"is not valid JSON ({ex.Message.Split('\n')[0].Trim()})");
            return new Examined(stored.Name, sha, null);
        }

        if (!canonical.AsSpan().SequenceEqual(stored.Bytes))
        {
            result.Fail(stored.Name, "is not in canonical JSON form, so these are not the bytes FinGuard wrote");
        }

        if (record.Sequence != sequence || !string.Equals(record.Chain, chain, StringComparison.Ordinal))
        {
            result.Fail(stored.Name, string.Create(CultureInfo.InvariantCulture,
                $"states it is record {record.Sequence} of chain '{record.Chain}', not record {sequence} of '{chain}' (moved, reordered or renumbered)"));
        }

        foreach (var fact in record.Facts)
        {
            string factSha;
            try
            {
                factSha = CanonicalJson.Sha256(fact.Body);
            }
            catch (ArgumentException)
            {
                factSha = "(not JSON)";
            }

            if (!string.Equals(factSha, fact.Sha256, StringComparison.Ordinal))
            {
                result.Fail(stored.Name, $"fact '{fact.Name}' hashes to {factSha}, not the SHA-256 {fact.Sha256} recorded with it");
            }
        }

        return new Examined(stored.Name, sha, record);
    }

    private static void VerifyChain(string chain, SortedDictionary<long, Examined> records, EvidenceVerificationScope scope, EvidenceVerification result)
    {
        DeclaredChainRange? declared = null;
        var isDeclared = scope.DeclaredChains is not null && scope.DeclaredChains.TryGetValue(chain, out declared);
        long first;
        long last;
        if (isDeclared)
        {
            if (declared!.First is null || declared.Last is null)
            {
                foreach (var examined in records.Values)
                {
                    result.Fail(examined.Name, "is not in the range the manifest declares for its chain (none): inserted");
                }

                return;
            }

            first = declared.First.Value;
            last = declared.Last.Value;
            if (first > 1 && !scope.IsRange)
            {
                result.Fail(chain, string.Create(CultureInfo.InvariantCulture,
                    $"the manifest declares records {first}–{last}, but a bundle without a time range must start at record 1: records 1–{first - 1} are missing"));
            }
            foreach (var (sequence, examined) in records)
            {
                if (sequence < first || sequence > last)
                {
                    result.Fail(examined.Name, string.Create(CultureInfo.InvariantCulture,
                        $"is outside the range the manifest declares for {chain} (records {first}–{last}): inserted"));
                }
            }
        }
        else
        {
            if (records.Count == 0)
            {
                return;
            }

            if (scope.DeclaredChains is not null)
            {
                result.Fail(chain, "is not declared in the manifest: its records were inserted");
            }

            first = 1;
            last = records.Keys.Max();
        }

        for (var sequence = first; sequence <= last; sequence++)
        {
            if (records.ContainsKey(sequence))
            {
                continue;
            }

            var runEnd = sequence;
            while (runEnd < last && !records.ContainsKey(runEnd + 1))
            {
                runEnd++;
            }

            result.Fail(runEnd == sequence
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{EvidenceObjectNames.ObjectName(chain, sequence)}: is missing (the chain runs from record {first} to record {last})")
                : string.Create(CultureInfo.InvariantCulture,
                    $"{EvidenceObjectNames.ObjectName(chain, sequence)} to {EvidenceObjectNames.ObjectName(chain, runEnd)}: {runEnd - sequence + 1} records are missing (the chain runs from record {first} to record {last})"));
            sequence = runEnd;
        }

        foreach (var (sequence, examined) in records)
        {
            if (examined.Record is not { } record || sequence < first || sequence > last)
            {
                continue;
            }

            if (sequence == 1)
            {
                if (record.PreviousSha256 is not null)
                {
                    result.Fail(examined.Name, "is record 1 but names a previous record (previousSha256 must be null)");
                }

                continue;
            }

            if (records.TryGetValue(sequence - 1, out var previous))
            {
                if (!string.Equals(record.PreviousSha256, previous.Sha256, StringComparison.Ordinal))
                {
                    result.Fail(examined.Name, string.Create(CultureInfo.InvariantCulture,
                        $"previousSha256 does not match the SHA-256 of record {sequence - 1}"));
                }
            }
            else if (sequence == first)
            {
                result.Note(string.Create(CultureInfo.InvariantCulture,
                    $"{chain}: starts at record {sequence}; record {sequence - 1} (SHA-256 {record.PreviousSha256 ?? "null"}) is before the exported range"));
            }
        }
    }

    private static void VerifyCheckpoints(
        SortedDictionary<string, SortedDictionary<long, Examined>> chains, EvidenceVerificationScope scope, EvidenceVerification result)
    {
        var stated = new Dictionary<string, (long Sequence, string Sha256, string By)>(StringComparer.Ordinal);
        foreach (var (checkpointChain, records) in chains.Where(c => CheckpointRecords.IsCheckpointChain(c.Key)))
        {
            foreach (var examined in records.Values)
            {
                if (examined.Record is not { } record)
                {
                    continue;
                }

                if (!CheckpointRecords.IsCheckpoint(record))
                {
                    result.Fail(examined.Name, $"is in a checkpoint chain but its action is '{record.Action}', not '{CheckpointRecords.Action}'");
                    continue;
                }

                if (!CheckpointRecords.TryRead(record, out var checkpoint, out var problem))
                {
                    result.Fail(examined.Name, $"is not a well-formed checkpoint: {problem}");
                    continue;
                }

                if (!string.Equals(CheckpointRecords.ChainOf(checkpoint!.Organisation), checkpointChain, StringComparison.Ordinal))
                {
                    result.Fail(examined.Name, $"is a checkpoint of organisation '{checkpoint.Organisation}' stored in {checkpointChain}");
                }

                var headsFact = record.Facts.First(f => f.Name == CheckpointRecords.HeadsFact);
                if (!string.Equals(record.Subject.HeadSha, headsFact.Sha256, StringComparison.Ordinal))
                {
                    result.Fail(examined.Name, $"subject.headSha {record.Subject.HeadSha} is not the SHA-256 {headsFact.Sha256} of its '{CheckpointRecords.HeadsFact}' fact");
                }

                var day = checkpoint.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var binding = scope.RangeEnd is null || CheckpointRecords.EndOf(checkpoint.Day) <= scope.RangeEnd;
                foreach (var head in checkpoint.Heads)
                {
                    CheckHead(examined.Name, day, head, chains, binding, result);
                    if (stated.TryGetValue(head.Chain, out var earlier))
                    {
                        if (head.Sequence < earlier.Sequence)
                        {
                            result.Fail(examined.Name, string.Create(CultureInfo.InvariantCulture,
                                $"checkpoint of {day} states {head.Chain} at record {head.Sequence}, behind record {earlier.Sequence} stated by {earlier.By}"));
                        }
                        else if (head.Sequence == earlier.Sequence && !string.Equals(head.Sha256, earlier.Sha256, StringComparison.Ordinal))
                        {
                            result.Fail(examined.Name, string.Create(CultureInfo.InvariantCulture,
                                $"checkpoint of {day} states record {head.Sequence} of {head.Chain} has SHA-256 {head.Sha256}, but {earlier.By} states {earlier.Sha256}"));
                        }
                    }

                    stated[head.Chain] = (head.Sequence, head.Sha256, examined.Name);
                }
            }
        }
    }

    private static void CheckHead(
        string checkpointName, string day, CheckpointHead head, SortedDictionary<string, SortedDictionary<long, Examined>> chains, bool binding, EvidenceVerification result)
    {
        if (!chains.TryGetValue(head.Chain, out var records) || records.Count == 0)
        {
            return;
        }

        var headName = EvidenceObjectNames.ObjectName(head.Chain, head.Sequence);
        var first = records.Keys.Min();
        var last = records.Keys.Max();
        if (records.TryGetValue(head.Sequence, out var examined))
        {
            if (!string.Equals(examined.Sha256, head.Sha256, StringComparison.Ordinal))
            {
                result.Fail(headName, $"hashes to {examined.Sha256}, but the checkpoint of {day} ({checkpointName}) states {head.Sha256}");
            }
        }
        else if (head.Sequence == first - 1 && records[first].Record is { } firstRecord)
        {
            if (!string.Equals(firstRecord.PreviousSha256, head.Sha256, StringComparison.Ordinal))
            {
                result.Fail(records[first].Name, string.Create(CultureInfo.InvariantCulture,
                    $"previousSha256 does not match the SHA-256 of record {head.Sequence} stated by the checkpoint of {day} ({checkpointName})"));
            }
        }
        else if (head.Sequence > last && binding)
        {
            result.Fail(headName, string.Create(CultureInfo.InvariantCulture,
                $"is missing: the checkpoint of {day} ({checkpointName}) states {head.Chain} reached record {head.Sequence} (SHA-256 {head.Sha256}), but it ends at record {last}"));
        }
    }

    private sealed record Examined(string Name, string Sha256, EvidenceRecord? Record);
}
