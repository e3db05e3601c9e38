using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FinGuard.Core.Evidence;
using FinGuard.Evidence.TreeHeads;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>
/// <c>manifest.json</c> of an evidence bundle: what was exported, from where, and the SHA-256 of every other file.
/// </summary>
public sealed record BundleManifest
{
    public const string CurrentFormat = "finguard.evidence-bundle/v1";

    [JsonPropertyName("format")]
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The repository exported, <c>owner/repo</c> (lower-cased, as its chain).</summary>
    [JsonPropertyName("repository")]
    public required string Repository { get; init; }

    /// <summary>Start of the exported time range (inclusive), or null for "from the first record".</summary>
    [JsonPropertyName("from")]
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the exported time range (exclusive), or null for "up to the last record".</summary>
    [JsonPropertyName("to")]
    public DateTimeOffset? To { get; init; }

    [JsonPropertyName("exportedAt")]
    public required DateTimeOffset ExportedAt { get; init; }

    [JsonPropertyName("finguardVersion")]
    public required string FinGuardVersion { get; init; }

    /// <summary><c>azure</c> or <c>local</c>: where the records were read from.</summary>
    [JsonPropertyName("storage")]
    public required string Storage { get; init; }

    /// <summary>The contiguous range of each chain in the bundle: the repository's and its organisation's checkpoints.</summary>
    [JsonPropertyName("chains")]
    public required IReadOnlyList<BundleChain> Chains { get; init; }

    /// <summary>Every file of the bundle except this manifest, with its SHA-256 and size.</summary>
    [JsonPropertyName("files")]
    public required IReadOnlyList<BundleFile> Files { get; init; }
}

/// <summary>A chain's records in a bundle: sequences <paramref name="First"/> to <paramref name="Last"/>, or none (both null).</summary>
public sealed record BundleChain(
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("first")] long? First,
    [property: JsonPropertyName("last")] long? Last);

/// <summary>One file of a bundle.</summary>
/// <param name="Path">Path inside the bundle, '/'-separated.</param>
/// <param name="Sha256">SHA-256 of its bytes, lower-case hex.</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Kind"><c>record</c>, <c>input</c> or <c>report</c>.</param>
public sealed record BundleFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("kind")] string Kind);

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BundleManifest))]
internal sealed partial class BundleJsonContext : JsonSerializerContext;

/// <summary>The files of a bundle read back (from a zip or an extracted folder).</summary>
/// <param name="Files">Path → bytes.</param>
/// <param name="Duplicates">Paths that occurred more than once (a zip can hold two entries of one name).</param>
/// <param name="Unreadable">Entries that could not be read, with the reason (a damaged zip entry fails its CRC check).</param>
public sealed record BundleContents(IReadOnlyDictionary<string, byte[]> Files, IReadOnlyList<string> Duplicates, IReadOnlyList<string> Unreadable);

/// <summary>
/// An evidence bundle, what <c>finguard evidence export</c> writes and <c>finguard evidence verify</c> checks:
/// <list type="bullet">
/// <item><c>records/{owner}/{repo}/{sequence:D12}.json</c> — the records, the exact stored bytes (and the
/// organisation's checkpoint records under <c>records/{owner}/_checkpoints/</c>);</item>
/// <item><c>inputs/{owner}/{repo}/{sequence:D12}/{NN}-{fact}.json</c> — each record's GitHub responses (fact bodies) as
/// separate files, in canonical JSON, so each file's SHA-256 is the <c>sha256</c> the record states for it;</item>
/// <item><c>index/{owner}/{repo}/{sequence:D12}.json</c> — each exported record's index row as the store held it
/// (<see cref="EvidenceIndexRows"/>), and under <c>index/{owner}/{repo}/by-head-sha/</c> the separate lookup rows where
/// the backend keeps them, so that verify shows whether what FinGuard looks decisions up by says what the records say;</item>
/// <item><c>treeheads/{owner}/_treeheads/{sequence:D12}.json</c> and <c>proofs/{owner}/{repo}/</c> — the chain's signed
/// tree heads and the Merkle proofs that tie the exported records and the heads together (<see cref="TreeHeadProofs"/>);</item>
/// <item><c>report.html</c> — the human-readable report (<see cref="EvidenceReport"/>);</item>
/// <item><c>manifest.json</c> — ranges and every other file's SHA-256 (<see cref="BundleManifest"/>).</item>
/// </list>
/// </summary>
public static class EvidenceBundle
{
    public const string ManifestPath = "manifest.json";
    public const string ReportPath = "report.html";
    public const string RecordsFolder = "records/";
    public const string InputsFolder = "inputs/";
    public const string IndexFolder = "index/";

    /// <summary>Largest single file read back from a bundle (a guard against zip bombs).</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>The path of a record's fact body inside the bundle.</summary>
    public static string InputPath(string objectName, int index, string factName)
    {
        ArgumentNullException.ThrowIfNull(objectName);
        var folder = objectName.EndsWith(".json", StringComparison.Ordinal) ? objectName[..^5] : objectName;
        var safe = new StringBuilder(factName.Length);
        foreach (var c in factName)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        return string.Create(CultureInfo.InvariantCulture, $"{InputsFolder}{folder}/{index + 1:D2}-{safe}.json");
    }

    /// <summary>Builds every file of a bundle, the manifest last (it lists the others).</summary>
    public static IReadOnlyDictionary<string, byte[]> Create(
        BundleManifest header, IReadOnlyList<StoredEvidence> records, IReadOnlyList<StoredEvidence> checkpoints, IReadOnlyList<FoundIndexRow>? rows = null,
        IReadOnlyList<(string Path, byte[] Bytes, string Kind)>? treeHeadFiles = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(checkpoints);
        var files = new SortedDictionary<string, (byte[] Bytes, string Kind)>(StringComparer.Ordinal);
        var parsed = new List<ReportRecord>();
        foreach (var stored in records.Concat(checkpoints))
        {
            files[RecordsFolder + stored.Name] = (stored.Bytes, "record");
            EvidenceRecord? record = null;
            try
            {
                record = EvidenceSerializer.FromBytes(stored.Bytes);
            }
            catch (JsonException)
            {
                // Exported as stored; verify reports it.
            }

            var inputs = new List<string>();
            if (record is not null)
            {
                for (var i = 0; i < record.Facts.Count; i++)
                {
                    var path = InputPath(stored.Name, i, record.Facts[i].Name);
                    files[path] = (CanonicalJson.Canonicalize(record.Facts[i].Body), "input");
                    inputs.Add(path);
                }
            }

            parsed.Add(new ReportRecord(stored.Name, CanonicalJson.Sha256Hex(stored.Bytes), record, inputs));
        }

        var lookups = 0;
        foreach (var found in rows ?? [])
        {
            var name = EvidenceObjectNames.IsValidChain(found.Row.Chain) && found.Row.Sequence is > 0 and <= EvidenceObjectNames.MaxSequence
                ? EvidenceObjectNames.ObjectName(EvidenceObjectNames.NormalizeChain(found.Row.Chain), found.Row.Sequence)
                : null;
            var path = name is not null && found.Source.StartsWith(IndexFolder, StringComparison.Ordinal)
                ? IndexFolder + name
                : string.Create(CultureInfo.InvariantCulture, $"{IndexFolder}{header.Repository}/by-head-sha/{++lookups:D6}.json");
            files[path] = (EvidenceIndexRows.ToBytes(found.Row), "index");
        }

        foreach (var (path, bytes, kind) in treeHeadFiles ?? [])
        {
            files[path] = (bytes, kind);
        }

        files[ReportPath] = (Encoding.UTF8.GetBytes(EvidenceReport.Render(header, parsed)), "report");
        var manifest = header with
        {
            Files = [.. files.Select(f => new BundleFile(f.Key, CanonicalJson.Sha256Hex(f.Value.Bytes), f.Value.Bytes.LongLength, f.Value.Kind))],
        };

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ManifestPath] = JsonSerializer.SerializeToUtf8Bytes(manifest, BundleJsonContext.Default.BundleManifest),
        };
        foreach (var (path, file) in files)
        {
            result[path] = file.Bytes;
        }

        return result;
    }

    /// <summary>Writes the files as a zip (manifest first), replacing <paramref name="path"/> only once it is complete.</summary>
    public static async Task WriteZipAsync(IReadOnlyDictionary<string, byte[]> files, string path, DateTimeOffset timestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var full = Path.GetFullPath(path);
        var temporary = full + ".partial";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, bytes) in files.OrderBy(f => f.Key == ManifestPath ? 0 : 1).ThenBy(f => f.Key, StringComparer.Ordinal))
                {
                    var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                    entry.LastWriteTime = timestamp;
                    await using var entryStream = await entry.OpenAsync(cancellationToken);
                    await entryStream.WriteAsync(bytes, cancellationToken);
                }
            }

            await stream.FlushAsync(cancellationToken);
        }

        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Reads every file entry of a bundle zip into memory (nothing is extracted to disk).</summary>
    public static async Task<BundleContents> ReadZipAsync(string path, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        var unreadable = new List<string>();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using var zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, cancellationToken);
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/'))
            {
                continue;
            }

            if (entry.Length > MaxFileBytes)
            {
                throw new InvalidDataException($"{entry.FullName} is larger than {MaxFileBytes / (1024 * 1024)} MiB; not an evidence bundle.");
            }

            byte[] bytes;
            try
            {
                await using var entryStream = await entry.OpenAsync(cancellationToken);
                using var buffer = new MemoryStream((int)entry.Length);
                await entryStream.CopyToAsync(buffer, cancellationToken);
                bytes = buffer.ToArray();
            }
            catch (InvalidDataException ex)
            {
                unreadable.Add($"{entry.FullName}: cannot be read from the zip, it is damaged ({ex.Message})");
                continue;
            }

            if (!files.TryAdd(entry.FullName, bytes))
            {
                duplicates.Add(entry.FullName);
            }
        }

        return new BundleContents(files, duplicates, unreadable);
    }

    /// <summary>Reads an extracted bundle folder.</summary>
    public static async Task<BundleContents> ReadDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(directory);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            files[relative] = await File.ReadAllBytesAsync(file, cancellationToken);
        }

        return new BundleContents(files, [], []);
    }

    /// <summary>
    /// Verifies a bundle: the manifest's list against the files (every listed file present with its SHA-256 and size,
    /// nothing unlisted), every input file against the fact hash its record states, and the records and checkpoints
    /// (<see cref="EvidenceChainVerifier"/>) within the ranges the manifest declares.
    /// </summary>
    public static EvidenceVerification Verify(BundleContents contents, TreeHeadTrust? trust = null)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var failures = new List<string>();
        foreach (var duplicate in contents.Duplicates)
        {
            failures.Add($"{duplicate}: appears more than once in the bundle");
        }

        failures.AddRange(contents.Unreadable);

        BundleManifest? manifest = null;
        if (!contents.Files.TryGetValue(ManifestPath, out var manifestBytes))
        {
            failures.Add($"{ManifestPath}: is missing, so no file of the bundle can be checked against it");
        }
        else
        {
            try
            {
                manifest = JsonSerializer.Deserialize(manifestBytes, BundleJsonContext.Default.BundleManifest);
            }
            catch (JsonException ex)
            {
                failures.Add($"{ManifestPath}: is not a valid bundle manifest ({ex.Message.Split('\n')[0].Trim()})");
            }

            if (manifest is not null && manifest.Format != BundleManifest.CurrentFormat)
            {
                failures.Add($"{ManifestPath}: format '{manifest.Format}' is not '{BundleManifest.CurrentFormat}'");
            }
        }

        if (manifest is not null)
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in manifest.Files ?? [])
            {
                if (!listed.Add(file.Path))
                {
                    failures.Add($"{file.Path}: is listed twice in the manifest");
                    continue;
                }

                if (!contents.Files.TryGetValue(file.Path, out var bytes))
                {
                    failures.Add($"{file.Path}: is missing (the manifest lists it with SHA-256 {file.Sha256})");
                    continue;
                }

                var sha = CanonicalJson.Sha256Hex(bytes);
                if (!string.Equals(sha, file.Sha256, StringComparison.Ordinal) || bytes.LongLength != file.Bytes)
                {
                    failures.Add($"{file.Path}: SHA-256 {sha} ({bytes.LongLength} bytes) does not match the manifest's {file.Sha256} ({file.Bytes} bytes)");
                }
            }

            foreach (var path in contents.Files.Keys.Where(p => p != ManifestPath && !listed.Contains(p)).Order(StringComparer.Ordinal))
            {
                failures.Add($"{path}: is not listed in the manifest (inserted)");
            }
        }

        var records = contents.Files
            .Where(f => f.Key.StartsWith(RecordsFolder, StringComparison.Ordinal))
            .Select(f => new StoredEvidence(f.Key[RecordsFolder.Length..], f.Value))
            .ToList();
        var scope = new EvidenceVerificationScope
        {
            DeclaredChains = manifest?.Chains?.ToDictionary(c => c.Chain, c => new DeclaredChainRange(c.First, c.Last), StringComparer.Ordinal),
            RangeEnd = manifest?.To,
            IsRange = manifest?.From is not null,
        };
        var verification = EvidenceChainVerifier.Verify(records, scope);
        verification.Merge(failures);
        VerifyInputs(contents, records, verification);
        VerifyIndexRows(contents, records, scope, verification);
        var repository = manifest?.Repository;
        DeclaredChainRange? declared = null;
        if (repository is not null)
        {
            scope.DeclaredChains?.TryGetValue(repository, out declared);
        }

        TreeHeadProofs.Verify(contents.Files, repository, declared, manifest is not null && manifest.To is null, records, verification, trust ?? TreeHeadTrust.None);
        return verification;
    }

    /// <summary>Every index row the bundle carries against the record it describes (a bundle without index rows has nothing to check).</summary>
    private static void VerifyIndexRows(BundleContents contents, IReadOnlyList<StoredEvidence> records, EvidenceVerificationScope scope, EvidenceVerification verification)
    {
        var rows = new List<FoundIndexRow>();
        foreach (var (path, bytes) in contents.Files.Where(f => f.Key.StartsWith(IndexFolder, StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (EvidenceIndexRows.TryParse(bytes, out var problem) is { } row)
            {
                rows.Add(new FoundIndexRow(path, row));
            }
            else
            {
                verification.Fail(path, problem!);
            }
        }

        var byName = records.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Bytes, StringComparer.Ordinal);

        // A record of a chain whose index rows the bundle carries, but with no row of its own below the chain's newest
        // row: its index row was deleted, so FinGuard's lookups (the deployment gate among them) could not find it.
        var indexed = rows.Where(r => r.Source.StartsWith(IndexFolder, StringComparison.Ordinal) && !r.Source.Contains("/by-head-sha/", StringComparison.Ordinal))
            .Select(r => r.Source[IndexFolder.Length..]).ToHashSet(StringComparer.Ordinal);
        var newestRow = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in indexed)
        {
            if (EvidenceObjectNames.TryParseObjectName(name, out var chain, out var sequence))
            {
                newestRow[chain] = Math.Max(sequence, newestRow.GetValueOrDefault(chain));
            }
        }

        foreach (var record in records)
        {
            if (EvidenceObjectNames.TryParseObjectName(record.Name, out var chain, out var sequence)
                && newestRow.TryGetValue(chain, out var newest) && sequence < newest && !indexed.Contains(record.Name))
            {
                verification.Fail(RecordsFolder + record.Name,
                    "has no index row, though later records of its chain do: FinGuard's lookups could not find this decision (its index row was deleted)");
            }
        }
        verification.Merge(EvidenceIndexRows.CrossCheck(rows, byName, name =>
            EvidenceObjectNames.TryParseObjectName(name, out var chain, out var sequence)
            && (scope.DeclaredChains is null || !scope.DeclaredChains.TryGetValue(chain, out var declared)
                || (declared.First is not null && sequence >= declared.First && sequence <= declared.Last))));
    }

    private static void VerifyInputs(BundleContents contents, IReadOnlyList<StoredEvidence> records, EvidenceVerification verification)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in records)
        {
            EvidenceRecord record;
            try
            {
                record = EvidenceSerializer.FromBytes(stored.Bytes);
            }
            catch (JsonException)
            {
                continue;
            }

            for (var i = 0; i < record.Facts.Count; i++)
            {
                var fact = record.Facts[i];
                var path = InputPath(stored.Name, i, fact.Name);
                expected.Add(path);
                if (!contents.Files.TryGetValue(path, out var bytes))
                {
                    verification.Fail(path, $"is missing (fact '{fact.Name}' of {stored.Name})");
                }
                else if (!string.Equals(CanonicalJson.Sha256Hex(bytes), fact.Sha256, StringComparison.Ordinal))
                {
                    verification.Fail(path, $"does not hash to the SHA-256 {fact.Sha256} that {stored.Name} states for fact '{fact.Name}'");
                }
            }
        }

        foreach (var path in contents.Files.Keys.Where(p => p.StartsWith(InputsFolder, StringComparison.Ordinal) && !expected.Contains(p)).Order(StringComparer.Ordinal))
        {
            verification.Fail(path, "is not a fact of any record in the bundle");
        }
    }

    /// <summary>Lists the chains of a set of stored records as contiguous ranges.</summary>
    public static BundleChain RangeOf(string chain, IReadOnlyList<StoredEvidence> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sequences = records
            .Select(r => EvidenceObjectNames.TryParseObjectName(r.Name, out _, out var s) ? s : 0)
            .Where(s => s > 0)
            .ToList();
        return sequences.Count == 0 ? new BundleChain(chain, null, null) : new BundleChain(chain, sequences.Min(), sequences.Max());
    }
}
