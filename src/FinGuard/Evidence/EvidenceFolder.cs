using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>Records found in a folder, and what the folder's own index says about them.</summary>
/// <param name="Root">The folder the records were read from.</param>
/// <param name="Objects">Every <c>{owner}/{repo}/{sequence:D12}.json</c> found.</param>
/// <param name="Problems">Index rows (local store root only) whose record is missing or hashes differently.</param>
public sealed record EvidenceFolderContents(string Root, IReadOnlyList<StoredEvidence> Objects, IReadOnlyList<string> Problems);

/// <summary>
/// Reads evidence records from a folder: the local store's root (<c>./.finguard</c>, whose <c>evidence/</c> holds the
/// records and <c>index/</c> the index rows, which are then cross-checked), its <c>evidence/</c> folder, an organisation's
/// or a repository's folder under it, or any folder laid out as <c>{owner}/{repo}/{sequence:D12}.json</c>. A record's
/// chain is taken from its two enclosing folder names.
/// </summary>
public static class EvidenceFolder
{
    public static async Task<EvidenceFolderContents> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(path);
        var evidence = Path.Combine(root, "evidence");
        var index = Path.Combine(root, "index");
        var isStoreRoot = Directory.Exists(evidence);
        var recordsRoot = isStoreRoot ? evidence : root;

        var objects = new List<StoredEvidence>();
        foreach (var file in Directory.EnumerateFiles(recordsRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (NameOf(file) is not { } name)
            {
                continue;
            }

            objects.Add(new StoredEvidence(name, await File.ReadAllBytesAsync(file, cancellationToken)));
        }

        var problems = new List<string>();
        if (isStoreRoot && Directory.Exists(index))
        {
            var byName = objects.ToDictionary(o => o.Name, o => o.Bytes, StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(index, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (NameOf(file) is not { } name)
                {
                    continue;
                }

                if (EvidenceIndexRows.TryParse(await File.ReadAllBytesAsync(file, cancellationToken), out var invalid) is not { } row)
                {
                    problems.Add($"{name}: its index row {invalid}");
                    continue;
                }

                var indexedSha = row.Sha256;
                if (!byName.TryGetValue(name, out var bytes))
                {
                    problems.Add($"{name}: is in the index (SHA-256 {indexedSha}) but the record is missing");
                    continue;
                }

                if (!string.Equals(CanonicalJson.Sha256Hex(bytes), indexedSha, StringComparison.Ordinal))
                {
                    problems.Add($"{name}: the stored bytes hash to {CanonicalJson.Sha256Hex(bytes)}, but the index recorded {indexedSha} when it was written");
                    row = row with { Sha256 = CanonicalJson.Sha256Hex(bytes) }; // reported above; the other fields are checked below
                }

                // Every other field the row summarises, against the record of the row file's own name.
                if (EvidenceIndexRows.Compare(new FoundIndexRow($"index/{name}", row), name, bytes) is { } mismatch)
                {
                    problems.Add(mismatch);
                }
            }
        }

        return new EvidenceFolderContents(recordsRoot, objects, problems);
    }

    /// <summary><c>{owner}/{repo}/{sequence:D12}.json</c> from a file's name and its two enclosing folders; null for other files.</summary>
    private static string? NameOf(string file)
    {
        var repo = Path.GetDirectoryName(file);
        var owner = repo is null ? null : Path.GetDirectoryName(repo);
        if (repo is null || owner is null)
        {
            return null;
        }

        var name = $"{Path.GetFileName(owner).ToLowerInvariant()}/{Path.GetFileName(repo).ToLowerInvariant()}/{Path.GetFileName(file)}";
        return EvidenceObjectNames.TryParseObjectName(name, out _, out _) ? name : null;
    }
}
