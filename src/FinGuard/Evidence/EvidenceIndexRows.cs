using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Evidence;

/// <summary>An index row as found somewhere (a local row file, a table row, a bundle file), named for reports.</summary>
/// <param name="Source">Where it was found, e.g. <c>index/octo/repo/000000000002.json</c> or <c>EvidenceBySha row</c>.</param>
/// <param name="Row">The row.</param>
public sealed record FoundIndexRow(string Source, EvidenceIndexEntry Row);

/// <summary>
/// Index rows as JSON (the local store's row files and a bundle's <c>index/</c> files: the row's fields in camelCase),
/// and the cross-check verify runs in every mode: each row must say exactly what its record says
/// (<see cref="EvidenceIndexCheck"/>), because FinGuard finds decisions through the rows. A row that disagrees has been
/// edited; so has one that names a record that does not exist.
/// </summary>
public static class EvidenceIndexRows
{
    public static byte[] ToBytes(EvidenceIndexEntry row) => JsonSerializer.SerializeToUtf8Bytes(row, EvidenceIndexRowJsonContext.Default.EvidenceIndexEntry);

    /// <summary>The row in <paramref name="bytes"/>, or null with the reason when it is not one.</summary>
    public static EvidenceIndexEntry? TryParse(byte[] bytes, out string? problem)
    {
        try
        {
            var row = JsonSerializer.Deserialize(bytes, EvidenceIndexRowJsonContext.Default.EvidenceIndexEntry);
            problem = row is null ? "is JSON null, not an index row" : null;
            return row;
        }
        catch (JsonException ex)
        {
            problem = $"is not a valid index row ({ex.Message.Split('\n')[0].Trim()})";
            return null;
        }
    }

    /// <summary>
    /// Every disagreement between <paramref name="rows"/> and the records (object name → stored bytes) they describe,
    /// each naming the record and the row. A row whose record is not among <paramref name="records"/> is reported when
    /// <paramref name="missingIsBroken"/> says so for its object name (a bundle holds only a range).
    /// </summary>
    public static IReadOnlyList<string> CrossCheck(IEnumerable<FoundIndexRow> rows, IReadOnlyDictionary<string, byte[]> records, Func<string, bool> missingIsBroken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(missingIsBroken);
        var failures = new List<string>();
        foreach (var (source, row) in rows)
        {
            string name;
            try
            {
                name = EvidenceObjectNames.ObjectName(EvidenceObjectNames.NormalizeChain(row.Chain), row.Sequence);
            }
            catch (ArgumentException)
            {
                failures.Add($"{source}: names chain '{row.Chain}' record {row.Sequence.ToString(CultureInfo.InvariantCulture)}, which cannot exist");
                continue;
            }

            if (!records.TryGetValue(name, out var bytes))
            {
                if (missingIsBroken(name))
                {
                    failures.Add($"{name}: its index row ({source}) describes a record that is missing");
                }

                continue;
            }

            if (Compare(new FoundIndexRow(source, row), name, bytes) is { } mismatch)
            {
                failures.Add(mismatch);
            }
        }

        return failures;
    }

    /// <summary>How <paramref name="found"/> disagrees with the record stored as <paramref name="name"/>; null when it agrees (or the record is unreadable, which the chain verifier reports).</summary>
    public static string? Compare(FoundIndexRow found, string name, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(found);
        ArgumentNullException.ThrowIfNull(bytes);
        EvidenceRecord record;
        try
        {
            record = EvidenceSerializer.FromBytes(bytes);
        }
        catch (JsonException)
        {
            return null;
        }

        var differences = EvidenceIndexCheck.Differences(found.Row, EvidenceIndexCheck.RowOf(record, name, CanonicalJson.Sha256Hex(bytes)));
        return differences.Count == 0 ? null : $"{name}: its index row ({found.Source}) does not match the record: {string.Join("; ", differences)}";
    }
}

/// <summary>Source-generated JSON for index rows, the same shape as the local store's row files.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(EvidenceIndexEntry))]
internal sealed partial class EvidenceIndexRowJsonContext : JsonSerializerContext;
